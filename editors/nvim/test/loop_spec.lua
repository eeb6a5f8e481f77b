-- Headless test of the everyday loop, against the real server:
--   1. typing a new instruction into the middle of the fixture's Dockerfile,
--      one key at a time as Neovim sends it (incremental changes): in every
--      answer the server gives Neovim, the hints of the instructions above it
--      are what they were, and Neovim still draws them at the end;
--   2. a Dockerfile that was never built, with no configuration at all: its
--      COPY of build-context files shows an estimate ("≈... B").
--   LAYERLS_BIN=... LAYERLS_FIXTURE=editors/testdata/app-v2 \
--     nvim --headless -u test/minimal_init.lua -c "luafile test/loop_spec.lua"
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h") .. "/helpers.lua")
local bin = assert(os.getenv("LAYERLS_BIN"), "LAYERLS_BIN not set")
local fixture = vim.fn.fnamemodify(assert(os.getenv("LAYERLS_FIXTURE"), "LAYERLS_FIXTURE not set"), ":p"):gsub("/$", "")

local function same(a, b)
  return vim.deep_equal(a or {}, b or {})
end

local function typing()
  local bufnr, client = H.open(fixture .. "/Dockerfile")
  if not H.check(client ~= nil, "layerls attached to the fixture") then
    return
  end
  -- Wait until the image is loaded: every instruction has its size and `cached`.
  local before = H.wait(function()
    local hs = H.request_hints(client, bufnr)
    if not hs then
      return nil
    end
    if H.sized_and_cached(hs) == 20 then
      return hs
    end
  end)
  if not H.check(before ~= nil, "all 20 instructions show a size and cached before typing") then
    return
  end
  -- The new instruction goes on a new line after the instruction that ends on
  -- line 12 or later.
  local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  local at = 12
  while lines[at]:sub(-1) == "\\" do
    at = at + 1
  end
  vim.api.nvim_buf_set_lines(bufnr, at, at, false, { "" })
  local typed = "RUN echo typed > /typed"
  local changed = {}
  for i = 1, #typed do
    vim.api.nvim_buf_set_text(bufnr, at, i - 1, at, i - 1, { typed:sub(i, i) })
    local hs = H.request_hints(client, bufnr)
    if not hs then
      table.insert(changed, typed:sub(1, i) .. ": no answer")
    else
      for line, labels in pairs(before) do
        if line <= at and not same(hs[line], labels) then
          table.insert(changed, string.format("%q: line %d %s, was %s", typed:sub(1, i), line,
            vim.inspect(hs[line]), vim.inspect(labels)))
        end
      end
    end
  end
  H.check(#changed == 0, "in each of " .. #typed .. " answers while typing, the hints above the new instruction stay "
    .. (#changed > 0 and vim.inspect(changed) or ""))
  -- Neovim draws them: every line above still has a size and `cached`.
  local drawn = H.wait(function()
    local list = H.drawn(bufnr)
    for line, labels in pairs(before) do
      if line <= at and #H.on_line(list, line - 1) ~= #labels then
        return nil
      end
    end
    return list
  end) or H.drawn(bufnr)
  local missing = {}
  for line, labels in pairs(before) do
    if line <= at and not same(H.on_line(drawn, line - 1), labels) then
      table.insert(missing, line .. ": " .. vim.inspect(H.on_line(drawn, line - 1)))
    end
  end
  H.check(#missing == 0, "after typing, Neovim draws the hints above the new instruction as before "
    .. (#missing > 0 and vim.inspect(missing) or ""))
  local last = H.request_hints(client, bufnr) or {}
  local new = last[at + 1] or {}
  H.check(#new == 1 and vim.startswith(new[1], "rebuild"), "the typed instruction says why it rebuilds: " .. vim.inspect(new))
  vim.cmd("bwipeout!")
end

local function estimate()
  local dir = vim.fn.tempname()
  vim.fn.mkdir(dir .. "/app", "p")
  local function write(name, text)
    local f = assert(io.open(dir .. "/" .. name, "w"))
    f:write(text)
    f:close()
  end
  write("Dockerfile", "FROM debian:bookworm\nCOPY app/ /app/\nRUN echo built\n")
  write("app/main.py", string.rep("print('hello')\n", 2000))
  write("app/debug.log", string.rep("x", 5000))
  write(".dockerignore", "app/debug.log\n")
  local bufnr, client = H.open(dir .. "/Dockerfile")
  if not H.check(client ~= nil, "layerls attached to a Dockerfile with no configuration") then
    return
  end
  local texts = H.wait(function()
    for _, t in ipairs(H.on_line(H.drawn(bufnr), 1)) do
      if vim.startswith(t, "≈") then
        return H.on_line(H.drawn(bufnr), 1)
      end
    end
  end) or H.on_line(H.drawn(bufnr), 1)
  H.check(vim.tbl_contains(texts, "≈30 kB"), "the COPY of a never-built Dockerfile shows what it will add (30,000 bytes; the "
    .. "ignored file not counted): " .. vim.inspect(texts))
  vim.cmd("bwipeout!")
  vim.fn.delete(dir, "rf")
end

H.run(function()
  H.say("nvim " .. vim.version().major .. "." .. vim.version().minor .. "." .. vim.version().patch .. ", layerls " .. bin)
  require("layerls").setup({ cmd = { bin } })
  typing()
  estimate()
end)
