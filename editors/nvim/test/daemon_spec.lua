-- Headless test of a Dockerfile with no configuration whose image is in a
-- Docker daemon, run by lsp/daemon_test.go (TestNeovimFindsItsImage), which
-- starts the daemon, builds the images and sets DOCKER_HOST for the server:
--   1. the hints appear by themselves: a size and `cached` on all 20
--      instructions, from the image built from this Dockerfile (the server
--      names it in the tooltips) although a more recent image from another
--      Dockerfile is there too;
--   2. the test then changes a context file and rebuilds the image while the
--      Dockerfile is open (it waits for LAYERLS_READY to appear and writes
--      LAYERLS_REBUILT when done); after a save, the hints follow: the COPY
--      of that file shows the new size (LAYERLS_WANT_24) and every line is
--      `cached` again.
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h") .. "/helpers.lua")
local bin = assert(os.getenv("LAYERLS_BIN"), "LAYERLS_BIN not set")
local dir = assert(os.getenv("LAYERLS_WORKSPACE"), "LAYERLS_WORKSPACE not set")
local ready = assert(os.getenv("LAYERLS_READY"), "LAYERLS_READY not set")
local rebuilt = assert(os.getenv("LAYERLS_REBUILT"), "LAYERLS_REBUILT not set")
local want24 = assert(os.getenv("LAYERLS_WANT_24"), "LAYERLS_WANT_24 not set")
local want_image = assert(os.getenv("LAYERLS_WANT_IMAGE"), "LAYERLS_WANT_IMAGE not set")

-- sized_and_cached waits until the server's answer to Neovim has a size and
-- `cached` on every instruction and Neovim draws them on the lines in view
-- (Neovim 0.10 asks only for those), and returns the answer.
local function sized_and_cached(bufnr, client, extra)
  return H.wait(function()
    local hs = H.request_hints(client, bufnr)
    if not hs then
      return nil
    end
    if H.sized_and_cached(hs) ~= 20 or (extra ~= nil and not extra(hs)) then
      return nil
    end
    local drawn = H.drawn(bufnr)
    for line = vim.fn.line("w0"), vim.fn.line("w$") do
      if hs[line] and not vim.deep_equal(H.on_line(drawn, line - 1), hs[line]) then
        return nil
      end
    end
    return hs
  end, 120000)
end

local function show(bufnr)
  for _, h in ipairs(H.drawn(bufnr)) do
    H.say(string.format("       %2d: %s", h.line + 1, h.text))
  end
end

H.run(function()
  H.say("nvim " .. vim.version().major .. "." .. vim.version().minor .. "." .. vim.version().patch .. ", layerls " .. bin)
  require("layerls").setup({ cmd = { bin } })
  local bufnr, client = H.open(dir .. "/Dockerfile")
  if not H.check(client ~= nil, "layerls attached to a Dockerfile with no configuration") then
    return
  end
  local list = sized_and_cached(bufnr, client)
  if not H.check(list ~= nil, "the hints appear by themselves: a size and cached on all 20 instructions, drawn in view") then
    show(bufnr)
  end
  -- The tooltips name the image they come from.
  local params = {
    textDocument = vim.lsp.util.make_text_document_params(bufnr),
    range = { start = { line = 0, character = 0 }, ["end"] = { line = vim.api.nvim_buf_line_count(bufnr), character = 0 } },
  }
  local res = client.request_sync("textDocument/inlayHint", params, H.timeout, bufnr) or {}
  local named, total = 0, 0
  for _, h in ipairs(res.result or {}) do
    total = total + 1
    if type(h.tooltip) == "string" and h.tooltip:find("Image: " .. want_image .. ", built", 1, true) then
      named = named + 1
    end
  end
  H.check(total > 0 and named == total, string.format("every hint's tooltip names %s (%d of %d)", want_image, named, total))

  local f = assert(io.open(ready, "w"))
  f:close()
  local done = vim.wait(300000, function()
    return vim.loop.fs_stat(rebuilt) ~= nil
  end, 200)
  if not H.check(done, "the test rebuilt the image") then
    return
  end
  vim.cmd("silent write") -- the user saves: the server lists the build context again
  vim.api.nvim_win_set_cursor(0, { 24, 0 })
  vim.cmd("normal! zz")
  local after = sized_and_cached(bufnr, client, function(hs)
    return vim.tbl_contains(hs[24] or {}, want24)
  end)
  if not H.check(after ~= nil, "after the rebuild, the hints follow: line 24 shows " .. want24 .. ", every line is cached, "
    .. "and Neovim draws them") then
    show(bufnr)
  end
end)
