-- Headless end-to-end test of the layerls plugin against the real server:
--   LAYERLS_BIN=/path/to/layerls LAYERLS_FIXTURE=editors/testdata/app-v2 \
--     nvim --headless -u test/minimal_init.lua -c "luafile test/layerls_spec.lua"
-- It opens the fixture's Dockerfile (a copy of the one app-v2.tar was built
-- from, with a .layerlint.yaml naming that image and context), waits for the
-- server's diagnostics and inlay hints, checks them, edits the buffer and
-- checks that the hints follow. Neovim 0.7-0.9 show hints as virtual text
-- (layerls.virtual_text); 0.10+ render them natively, and the test reads the
-- extmarks Neovim's inlay-hint code put in the buffer after a redraw. Exit 0
-- when every check passed, 1 otherwise.
local bin = assert(os.getenv("LAYERLS_BIN"), "LAYERLS_BIN not set")
local fixture = vim.fn.fnamemodify(assert(os.getenv("LAYERLS_FIXTURE"), "LAYERLS_FIXTURE not set"), ":p"):gsub("/$", "")
local timeout = tonumber(os.getenv("LAYERLS_TIMEOUT_MS") or "") or 30000

local failures = {}
local function say(msg)
  io.stdout:write(msg .. "\n")
end
local function check(ok, msg)
  say((ok and "ok   " or "FAIL ") .. msg)
  if not ok then
    table.insert(failures, msg)
  end
  return ok
end
local function finish()
  vim.fn.delete(vim.fn.stdpath("cache") .. "/lsp.log")
  if #failures == 0 then
    say("nvim " .. tostring(vim.version().major) .. "." .. tostring(vim.version().minor) .. ": all checks passed")
    vim.cmd("qall!")
  else
    say(#failures .. " check(s) failed")
    vim.cmd("cquit 1")
  end
end

-- wait polls cond until it returns a value or timeout passes; redraw! on
-- every poll so Neovim's own inlay-hint decoration runs in a headless UI-less
-- session too.
local function wait(cond)
  local got
  vim.wait(timeout, function()
    vim.cmd("redraw!")
    got = cond()
    return got ~= nil and got ~= false
  end, 50)
  return got
end

local layerls = require("layerls")

local function client_of(bufnr)
  local list = vim.lsp.get_clients and vim.lsp.get_clients({ bufnr = bufnr }) or vim.lsp.buf_get_clients(bufnr)
  for _, c in pairs(list) do
    if c.name == "layerls" and c.initialized ~= false then
      return c
    end
  end
end

local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h") .. "/helpers.lua")
local hints, on_line = H.drawn, H.on_line

local function is_size(text)
  return text == "0 B" or text:match("^%+[%d.]+ [kMGT]?B$") ~= nil
end

local function find_line(bufnr, prefix)
  for i, l in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    if vim.startswith(l, prefix) then
      return i - 1
    end
  end
end

local function run()
  say("nvim " .. tostring(vim.version().major) .. "." .. tostring(vim.version().minor) .. "." .. tostring(vim.version().patch)
    .. ", layerls " .. bin)
  layerls.setup({ cmd = { bin } })
  local want_mode = vim.fn.has("nvim-0.10") == 1 and "native" or "virtual_text"
  check(layerls.hint_mode() == want_mode, "hint mode is " .. want_mode .. " (got " .. layerls.hint_mode() .. ")")

  vim.cmd("edit " .. vim.fn.fnameescape(fixture .. "/Dockerfile"))
  local bufnr = vim.api.nvim_get_current_buf()
  check(vim.bo[bufnr].filetype == "dockerfile", "filetype is dockerfile (got " .. vim.bo[bufnr].filetype .. ")")

  local client = wait(function()
    return client_of(bufnr)
  end)
  if not check(client ~= nil, "layerls attached to the Dockerfile") then
    return
  end
  check(client.config.root_dir == fixture, "root is the .layerlint.yaml's directory (got " .. tostring(client.config.root_dir) .. ")")
  if want_mode == "virtual_text" then
    local ws = client.config.capabilities.workspace or {}
    check(ws.inlayHint and ws.inlayHint.refreshSupport == true, "capabilities announce workspace.inlayHint.refreshSupport")
  end

  -- Diagnostics: the fixture's RUN lines hold RemovedInLaterLayer (line 26)
  -- and SeparateChown (lines 33, 34).
  local want = { RemovedInLaterLayer = 25, SeparateChown = 32 }
  local diags = wait(function()
    local d = vim.diagnostic.get(bufnr)
    local codes = {}
    for _, x in ipairs(d) do
      codes[tostring(x.code)] = true
    end
    if codes.RemovedInLaterLayer and codes.SeparateChown then
      return d
    end
  end) or vim.diagnostic.get(bufnr)
  for code, line in pairs(want) do
    local found
    for _, d in ipairs(diags) do
      if d.code == code and d.lnum == line then
        found = d
      end
    end
    check(found ~= nil, "diagnostic " .. code .. " on line " .. (line + 1))
    if found then
      check(found.source == "layerlint", code .. ": source is layerlint (got " .. tostring(found.source) .. ")")
      local lsp = found.user_data and found.user_data.lsp or {}
      local href = lsp.codeDescription and lsp.codeDescription.href
      check(type(href) == "string" and href ~= "", code .. ": codeDescription.href " .. tostring(href))
    end
  end
  say("     diagnostics: " .. #diags)

  -- Hints: the COPY on line 7 adds bytes to the image and is cached.
  local copy = find_line(bufnr, "COPY static/")
  local function copy_hints_done(list)
    local texts = on_line(list, copy)
    local size, cached = false, false
    for _, t in ipairs(texts) do
      size = size or is_size(t)
      cached = cached or t == "cached"
    end
    return size and cached
  end
  local list = wait(function()
    local l = hints(bufnr)
    if copy_hints_done(l) then
      return l
    end
  end) or hints(bufnr)
  local copy_texts = on_line(list, copy)
  check(copy_hints_done(list), "line " .. (copy + 1) .. " (COPY static/) shows a size and `cached`: "
    .. vim.inspect(copy_texts))
  local sizes, cached, rebuilds = 0, 0, 0
  for _, h in ipairs(list) do
    if is_size(h.text) then
      sizes = sizes + 1
    elseif h.text == "cached" then
      cached = cached + 1
    elseif vim.startswith(h.text, "rebuild") then
      rebuilds = rebuilds + 1
    end
  end
  say(string.format("     hints: %d (%d sizes, %d cached, %d rebuild)", #list, sizes, cached, rebuilds))
  for _, h in ipairs(list) do
    say(string.format("       %2d: %s", h.line + 1, h.text))
  end
  -- Each hint sits at the end of its instruction's first line.
  local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  local misplaced = {}
  for _, h in ipairs(list) do
    local at_end = (h.pos == "eol") or (h.col == #lines[h.line + 1])
    if not at_end then
      table.insert(misplaced, (h.line + 1) .. ":" .. h.col .. " " .. h.text)
    end
  end
  check(#misplaced == 0, "hints sit at the end of their line " .. vim.inspect(misplaced))
  local run = find_line(bufnr, "RUN mkdir -p /app/data")
  check(#on_line(list, run) > 0 and #on_line(list, run + 1) == 0,
    "a multi-line RUN has its hints on its first line only")

  if layerls.hint_mode() == "native" then
    local api_hints = vim.lsp.inlay_hint.get({ bufnr = bufnr })
    check(#api_hints > 0, "vim.lsp.inlay_hint.get returns the hints (" .. #api_hints .. ")")
    check(vim.lsp.inlay_hint.is_enabled({ bufnr = bufnr }), "inlay hints are enabled for the buffer")
  end

  -- An edit above moves the hints with their lines, and changing WORKDIR
  -- breaks the cache for everything after it.
  local workdir = find_line(bufnr, "WORKDIR /app")
  vim.api.nvim_buf_set_lines(bufnr, 0, 0, false, { "# edited by the test" })
  vim.api.nvim_buf_set_lines(bufnr, workdir + 1, workdir + 2, false, { "WORKDIR /srv" })
  vim.api.nvim_exec_autocmds("TextChanged", { buffer = bufnr })
  local moved = copy + 1
  local after = wait(function()
    local l = hints(bufnr)
    for _, t in ipairs(on_line(l, moved)) do
      if vim.startswith(t, "rebuild") then
        return l
      end
    end
  end) or hints(bufnr)
  check(#vim.tbl_filter(function(t)
    return vim.startswith(t, "rebuild")
  end, on_line(after, moved)) > 0, "after the edit, line " .. (moved + 1) .. " (COPY static/) says rebuild: "
    .. vim.inspect(on_line(after, moved)))

  local lenses = vim.lsp.codelens.get(bufnr)
  say("     code lenses: " .. #lenses .. (#lenses == 0 and " (the server may have none)" or ""))
end

local ok, err = xpcall(run, debug.traceback)
if not ok then
  check(false, "test error: " .. tostring(err))
end
finish()
