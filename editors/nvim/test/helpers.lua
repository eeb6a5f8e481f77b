-- Helpers the headless specs share: checks, waiting, the layerls client of a
-- buffer, the server's inlay hints asked directly, and the hints Neovim drew.
local H = {}

H.timeout = tonumber(os.getenv("LAYERLS_TIMEOUT_MS") or "") or 30000
H.failures = {}

function H.say(msg)
  io.stdout:write(msg .. "\n")
end

function H.check(ok, msg)
  H.say((ok and "ok   " or "FAIL ") .. msg)
  if not ok then
    table.insert(H.failures, msg)
  end
  return ok
end

-- finish quits with status 0 when every check passed, 1 otherwise.
function H.finish()
  vim.fn.delete(vim.fn.stdpath("cache") .. "/lsp.log")
  local v = vim.version()
  if #H.failures == 0 then
    H.say("nvim " .. v.major .. "." .. v.minor .. ": all checks passed")
    vim.cmd("qall!")
  else
    H.say(#H.failures .. " check(s) failed")
    vim.cmd("cquit 1")
  end
end

-- run runs fn, turning an error into a failed check, then finishes.
function H.run(fn)
  local ok, err = xpcall(fn, debug.traceback)
  if not ok then
    H.check(false, "test error: " .. tostring(err))
  end
  H.finish()
end

-- wait polls cond until it returns a value or the timeout passes; redraw! on
-- every poll so Neovim's own inlay-hint decoration runs headless too.
function H.wait(cond, timeout)
  local got
  vim.wait(timeout or H.timeout, function()
    vim.cmd("redraw!")
    got = cond()
    return got ~= nil and got ~= false
  end, 50)
  return got
end

function H.client_of(bufnr)
  local list = vim.lsp.get_clients and vim.lsp.get_clients({ bufnr = bufnr }) or vim.lsp.buf_get_clients(bufnr)
  for _, c in pairs(list) do
    if c.name == "layerls" and c.initialized ~= false then
      return c
    end
  end
end

-- request_hints asks the server for the hints of the whole buffer and returns
-- them as a map from 1-based line to a list of labels, or nil on an error.
function H.request_hints(client, bufnr)
  local params = {
    textDocument = vim.lsp.util.make_text_document_params(bufnr),
    range = { start = { line = 0, character = 0 }, ["end"] = { line = vim.api.nvim_buf_line_count(bufnr), character = 0 } },
  }
  local res, err
  if vim.fn.has("nvim-0.11") == 1 then
    res, err = client:request_sync("textDocument/inlayHint", params, H.timeout, bufnr)
  else
    res, err = client.request_sync("textDocument/inlayHint", params, H.timeout, bufnr)
  end
  if not res or res.err then
    return nil, err or (res and res.err)
  end
  local by_line = {}
  for _, h in ipairs(res.result or {}) do
    local line = h.position.line + 1
    local label = h.label
    if type(label) == "table" then
      local parts = {}
      for _, p in ipairs(label) do
        table.insert(parts, p.value)
      end
      label = table.concat(parts)
    end
    by_line[line] = by_line[line] or {}
    table.insert(by_line[line], label)
  end
  return by_line
end

-- drawn returns the inlay hints Neovim drew in bufnr: a list of {line, col,
-- text, pos}, from the extmarks of the namespace that draws them (pos is the
-- extmark's virt_text_pos).
function H.drawn(bufnr)
  local layerls = require("layerls")
  local ns
  if layerls.hint_mode() == "native" then
    ns = vim.api.nvim_get_namespaces()["vim_lsp_inlayhint"]
  else
    ns = require("layerls.virtual_text").ns
  end
  local out = {}
  if ns == nil then
    return out
  end
  for _, m in ipairs(vim.api.nvim_buf_get_extmarks(bufnr, ns, 0, -1, { details = true })) do
    local details = m[4] or {}
    for _, chunk in ipairs(details.virt_text or {}) do
      local text = vim.trim(chunk[1])
      if text ~= "" then
        table.insert(out, { line = m[2], col = m[3], text = text, pos = details.virt_text_pos })
      end
    end
  end
  return out
end

function H.on_line(list, line)
  local texts = {}
  for _, h in ipairs(list) do
    if h.line == line then
      table.insert(texts, h.text)
    end
  end
  return texts
end

function H.is_size(text)
  return text == "0 B" or text:match("^%+[%d.]+ [kMGT]?B$") ~= nil
end

-- sized_and_cached counts the lines of hs (H.request_hints's labels by line)
-- whose hints are exactly a size and `cached`.
function H.sized_and_cached(hs)
  local n = 0
  for _, labels in pairs(hs) do
    if #labels == 2 and H.is_size(labels[1]) and labels[2] == "cached" then
      n = n + 1
    end
  end
  return n
end

-- open edits path and waits for layerls to attach; it returns the buffer and
-- the client.
function H.open(path)
  vim.cmd("edit " .. vim.fn.fnameescape(path))
  local bufnr = vim.api.nvim_get_current_buf()
  local client = H.wait(function()
    return H.client_of(bufnr)
  end)
  return bufnr, client
end

return H
