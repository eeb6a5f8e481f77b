-- layerls.virtual_text draws layerls's inlay hints (layer size, cache status)
-- as end-of-line virtual text, for Neovims without vim.lsp.inlay_hint (before
-- 0.10). layerls answers textDocument/inlayHint whatever the client announced,
-- so this asks for the hints itself: when a buffer is attached, when the
-- server sends workspace/inlayHint/refresh (an image loaded, the context
-- changed), after edits in normal mode (debounced) and on InsertLeave.
local M = {}

-- ns holds the hints' extmarks.
M.ns = vim.api.nvim_create_namespace("layerls_inlay_hints")

-- debounce_ms is how long edits must pause before hints are asked for again.
M.debounce_ms = 250

vim.cmd("highlight default link LayerlsInlayHint Comment")

local timers = {}
-- latest[bufnr] is the id of the newest request: older answers are dropped.
local latest = {}

-- label_text returns a hint's label: a string, or InlayHintLabelPart[].
local function label_text(label)
  if type(label) == "string" then
    return label
  end
  local parts = {}
  for _, part in ipairs(label or {}) do
    table.insert(parts, part.value or "")
  end
  return table.concat(parts)
end

-- render replaces bufnr's hints with the server's answer: on each line, the
-- line's hints in the order given, as one virtual-text chunk each.
function M.render(bufnr, hints)
  if not vim.api.nvim_buf_is_valid(bufnr) then
    return
  end
  vim.api.nvim_buf_clear_namespace(bufnr, M.ns, 0, -1)
  local by_line, lines = {}, {}
  for _, hint in ipairs(hints or {}) do
    local line = hint.position.line
    if by_line[line] == nil then
      by_line[line] = {}
      table.insert(lines, line)
    end
    local text = label_text(hint.label)
    -- End-of-line virtual text already stands one cell after the line: the
    -- first hint's left padding would double it.
    if hint.paddingLeft and #by_line[line] > 0 then
      text = " " .. text
    end
    if hint.paddingRight then
      text = text .. " "
    end
    table.insert(by_line[line], { text, "LayerlsInlayHint" })
  end
  local count = vim.api.nvim_buf_line_count(bufnr)
  for _, line in ipairs(lines) do
    if line < count then
      vim.api.nvim_buf_set_extmark(bufnr, M.ns, line, 0, {
        virt_text = by_line[line],
        virt_text_pos = "eol",
        hl_mode = "combine",
      })
    end
  end
end

-- refresh asks client for bufnr's inlay hints and renders the answer.
function M.refresh(client, bufnr)
  if not vim.api.nvim_buf_is_loaded(bufnr) then
    return
  end
  local params = {
    textDocument = vim.lsp.util.make_text_document_params(bufnr),
    range = {
      start = { line = 0, character = 0 },
      ["end"] = { line = vim.api.nvim_buf_line_count(bufnr), character = 0 },
    },
  }
  local token = {}
  latest[bufnr] = token
  require("layerls").request(client, "textDocument/inlayHint", params, function(err, result)
    if latest[bufnr] ~= token then
      return -- a newer request is on its way
    end
    if err then
      vim.notify("layerls: inlay hints: " .. (err.message or vim.inspect(err)), vim.log.levels.DEBUG)
      return
    end
    M.render(bufnr, result)
  end, bufnr)
end

local function debounced(client, bufnr)
  local timer = timers[bufnr]
  if timer == nil then
    timer = vim.loop.new_timer()
    timers[bufnr] = timer
  end
  timer:stop()
  timer:start(M.debounce_ms, 0, vim.schedule_wrap(function()
    if not vim.lsp.client_is_stopped(client.id) then
      M.refresh(client, bufnr)
    end
  end))
end

-- detach removes bufnr's hints and stops refreshing them.
function M.detach(bufnr)
  if timers[bufnr] then
    timers[bufnr]:stop()
    timers[bufnr]:close()
    timers[bufnr] = nil
  end
  latest[bufnr] = nil
  pcall(vim.api.nvim_del_augroup_by_name, "layerls_hints_" .. bufnr)
  if vim.api.nvim_buf_is_valid(bufnr) then
    vim.api.nvim_buf_clear_namespace(bufnr, M.ns, 0, -1)
  end
end

-- attach draws bufnr's hints now and keeps them up to date.
function M.attach(client, bufnr)
  local group = vim.api.nvim_create_augroup("layerls_hints_" .. bufnr, { clear = true })
  vim.api.nvim_create_autocmd("TextChanged", {
    group = group,
    buffer = bufnr,
    callback = function()
      debounced(client, bufnr)
    end,
  })
  vim.api.nvim_create_autocmd("InsertLeave", {
    group = group,
    buffer = bufnr,
    callback = function()
      M.refresh(client, bufnr)
    end,
  })
  vim.api.nvim_create_autocmd({ "BufUnload", "BufWipeout" }, {
    group = group,
    buffer = bufnr,
    callback = function()
      M.detach(bufnr)
    end,
  })
  M.refresh(client, bufnr)
end

return M
