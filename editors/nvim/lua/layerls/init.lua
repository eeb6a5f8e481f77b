-- layerls: start layerlint's language server for Dockerfiles, on every Neovim
-- from 0.7 (Debian bookworm's) on.
--
--   require("layerls").setup({
--     cmd = { "layerls" },                     -- the server command
--     settings = { image = "build/app.tar" },  -- the server's "layerlint" settings
--   })
--
-- Neovim 0.8+ starts the client with vim.lsp.start; 0.7 has only
-- vim.lsp.start_client, so one client per root is kept here and attached to
-- each buffer. Inlay hints (layer size, cache status) use vim.lsp.inlay_hint on
-- 0.10+ and are drawn as end-of-line virtual text (layerls.virtual_text) on
-- older versions.
local M = {}

local defaults = {
  -- cmd starts the server (a list, as vim.lsp.start wants it).
  cmd = { "layerls" },
  filetypes = { "dockerfile" },
  -- root_markers are looked for upward from the Dockerfile, one after the
  -- other: the nearest .layerlint.yaml wins over the nearest .git.
  root_markers = { ".layerlint.yaml", ".layerlint.yml", ".git" },
  -- settings is the "layerlint" object of the server's settings: image,
  -- context, hints = { size, cache }, failureThreshold. Empty: the server
  -- reads .layerlint.yaml.
  settings = {},
  -- inlay_hints: "auto" (native on 0.10+, virtual text before), "native",
  -- "virtual_text" or false.
  inlay_hints = "auto",
  -- on_attach(client, bufnr) and capabilities are passed on to the client.
  on_attach = nil,
  capabilities = nil,
}

M.config = vim.deepcopy(defaults)

-- clients maps a root directory to its client id (Neovim 0.7 only).
local clients = {}

-- request sends a request the way this Neovim wants it: client:request from
-- 0.11 on (the dot form is deprecated there), client.request before.
function M.request(client, method, params, handler, bufnr)
  if vim.fn.has("nvim-0.11") == 1 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

-- buf_clients returns the clients attached to bufnr (get_clients is 0.10+).
local function buf_clients(bufnr)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ bufnr = bufnr })
  end
  return vim.tbl_values(vim.lsp.buf_get_clients(bufnr))
end

-- client_buffers returns the buffers a client is attached to.
local function client_buffers(client)
  if client.attached_buffers then
    return vim.tbl_keys(client.attached_buffers)
  end
  return vim.lsp.get_buffers_by_client_id(client.id)
end

local function has_native_hints()
  return vim.lsp.inlay_hint ~= nil and type(vim.lsp.inlay_hint.enable) == "function"
end

-- hint_mode tells how this Neovim shows inlay hints under the config.
function M.hint_mode()
  local want = M.config.inlay_hints
  if want == false then
    return "off"
  elseif want == "native" or (want == "auto" and has_native_hints()) then
    return "native"
  end
  return "virtual_text"
end

local function exists(path)
  return vim.loop.fs_stat(path) ~= nil
end

local function parent(dir)
  return vim.fn.fnamemodify(dir, ":h")
end

-- root_dir returns the directory holding the first of the markers found
-- upward from path's directory, or that directory when there is none.
function M.root_dir(path, markers)
  local start = vim.fn.fnamemodify(path, ":p:h")
  for _, marker in ipairs(markers or M.config.root_markers) do
    local dir = start
    while true do
      if exists(dir .. "/" .. marker) then
        return dir
      end
      local up = parent(dir)
      if up == dir then
        break
      end
      dir = up
    end
  end
  return start
end

local function enable_native_hints(bufnr)
  -- 0.10 and 0.11: enable(enable, {bufnr}); the 0.10 pre-releases took
  -- (bufnr, enable).
  local ok = pcall(vim.lsp.inlay_hint.enable, true, { bufnr = bufnr })
  if not ok then
    pcall(vim.lsp.inlay_hint.enable, bufnr, true)
  end
end

local function refresh_codelens(client, bufnr)
  if not (client.server_capabilities or client.resolved_capabilities or {}).codeLensProvider then
    return
  end
  local params = { textDocument = vim.lsp.util.make_text_document_params(bufnr) }
  M.request(client, "textDocument/codeLens", params, vim.lsp.codelens.on_codelens, bufnr)
end

-- refresh asks the server again for everything it draws on bufnr: code
-- lenses and, with the virtual-text fallback, inlay hints. Diagnostics are
-- pushed by the server after every change.
function M.refresh(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  for _, client in ipairs(buf_clients(bufnr)) do
    if client.name == "layerls" then
      refresh_codelens(client, bufnr)
      if M.hint_mode() == "virtual_text" then
        require("layerls.virtual_text").refresh(client, bufnr)
      end
    end
  end
end

local function on_attach(client, bufnr)
  local mode = M.hint_mode()
  if mode == "native" then
    enable_native_hints(bufnr)
  elseif mode == "virtual_text" then
    require("layerls.virtual_text").attach(client, bufnr)
  end
  refresh_codelens(client, bufnr)
  local group = vim.api.nvim_create_augroup("layerls_codelens_" .. bufnr, { clear = true })
  vim.api.nvim_create_autocmd({ "BufEnter", "InsertLeave" }, {
    group = group,
    buffer = bufnr,
    callback = function()
      refresh_codelens(client, bufnr)
    end,
  })
  if M.config.on_attach then
    M.config.on_attach(client, bufnr)
  end
end

local function capabilities()
  local caps = M.config.capabilities or vim.lsp.protocol.make_client_capabilities()
  if M.hint_mode() == "virtual_text" then
    -- What layerls.virtual_text implements: the server sends
    -- workspace/inlayHint/refresh only to clients that say so.
    caps = vim.deepcopy(caps)
    caps.textDocument = caps.textDocument or {}
    caps.textDocument.inlayHint = caps.textDocument.inlayHint or { dynamicRegistration = false }
    caps.workspace = caps.workspace or {}
    caps.workspace.inlayHint = { refreshSupport = true }
    caps.workspace.codeLens = caps.workspace.codeLens or { refreshSupport = true }
  end
  return caps
end

local function handlers()
  local h = {}
  if M.hint_mode() == "virtual_text" then
    h["workspace/inlayHint/refresh"] = function(_, _, ctx)
      local client = vim.lsp.get_client_by_id(ctx.client_id)
      if client then
        for _, bufnr in ipairs(client_buffers(client)) do
          require("layerls.virtual_text").refresh(client, bufnr)
        end
      end
      return vim.NIL
    end
  end
  if M.hint_mode() == "native" and vim.fn.has("nvim-0.11") == 0 then
    -- Neovim 0.10 does not redraw hints that a refresh brings for an
    -- unchanged buffer version (neovim/neovim#32248): the hints sent before
    -- the image loaded (cache status only) would stay until the first edit.
    -- Enabling again resets the buffer's hint state and asks anew.
    local default = vim.lsp.handlers["workspace/inlayHint/refresh"]
    h["workspace/inlayHint/refresh"] = function(err, result, ctx, config)
      local client = vim.lsp.get_client_by_id(ctx.client_id)
      if err or not client then
        return default(err, result, ctx, config)
      end
      for _, bufnr in ipairs(client_buffers(client)) do
        if vim.lsp.inlay_hint.is_enabled({ bufnr = bufnr }) then
          enable_native_hints(bufnr)
        end
      end
      return vim.NIL
    end
  end
  if not vim.lsp.handlers["workspace/codeLens/refresh"] then
    h["workspace/codeLens/refresh"] = function(_, _, ctx)
      local client = vim.lsp.get_client_by_id(ctx.client_id)
      if client then
        for _, bufnr in ipairs(client_buffers(client)) do
          refresh_codelens(client, bufnr)
        end
      end
      return vim.NIL
    end
  end
  return h
end

-- client_config is the configuration vim.lsp.start (or start_client) gets
-- for a Dockerfile under root.
function M.client_config(root)
  local cmd = M.config.cmd
  if type(cmd) == "string" then
    cmd = { cmd }
  end
  local settings = M.config.settings or {}
  local config = {
    name = "layerls",
    cmd = cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    capabilities = capabilities(),
    handlers = handlers(),
    on_attach = on_attach,
  }
  if next(settings) ~= nil then
    config.init_options = { layerlint = settings }
    config.settings = { layerlint = settings }
    if vim.lsp.start == nil then
      -- 0.8+ sends the settings after initialize; 0.7 leaves it to us.
      config.on_init = function(client)
        client.notify("workspace/didChangeConfiguration", { settings = config.settings })
      end -- (0.7 only: the dot form is right there)
    end
  end
  return config
end

-- start attaches bufnr to the layerls client for its root, starting the
-- client if there is none.
function M.start(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == "" or vim.bo[bufnr].buftype ~= "" then
    return nil
  end
  local cmd = type(M.config.cmd) == "string" and M.config.cmd or M.config.cmd[1]
  if vim.fn.executable(cmd) ~= 1 then
    vim.notify_once(
      "layerls: " .. cmd .. " not found; install it with "
        .. "`go install github.com/layerlint/layerlint/cmd/layerls@latest` or set cmd in setup()",
      vim.log.levels.WARN
    )
    return nil
  end
  local root = M.root_dir(name)
  if vim.lsp.start ~= nil then
    return vim.lsp.start(M.client_config(root), { bufnr = bufnr })
  end
  local id = clients[root]
  if id == nil or vim.lsp.client_is_stopped(id) then
    id = vim.lsp.start_client(M.client_config(root))
    if id == nil then
      return nil
    end
    clients[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

-- stop stops every layerls client.
function M.stop()
  local all = vim.lsp.get_clients and vim.lsp.get_clients({ name = "layerls" }) or vim.lsp.get_active_clients()
  for _, client in ipairs(all) do
    if client.name == "layerls" then
      vim.lsp.stop_client(client.id)
    end
  end
  clients = {}
end

-- setup sets the options and starts the server for every Dockerfile buffer,
-- those already open included.
function M.setup(opts)
  M.config = vim.tbl_deep_extend("force", vim.deepcopy(defaults), opts or {})
  if opts and opts.settings then
    M.config.settings = opts.settings -- replaced whole, not merged into {}
  end
  local group = vim.api.nvim_create_augroup("layerls", { clear = true })
  -- podman's and buildah's names for a Dockerfile: Neovim knows Containerfile, not *.Containerfile.
  vim.api.nvim_create_autocmd({ "BufRead", "BufNewFile" }, {
    group = group,
    pattern = "*.Containerfile",
    command = "setfiletype dockerfile",
  })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = M.config.filetypes,
    callback = function(args)
      M.start(args.buf)
    end,
  })
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(M.config.filetypes, vim.bo[bufnr].filetype) then
      M.start(bufnr)
    end
  end
  vim.api.nvim_create_user_command("LayerlsRestart", function()
    M.stop()
    vim.defer_fn(function()
      for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
        if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(M.config.filetypes, vim.bo[bufnr].filetype) then
          M.start(bufnr)
        end
      end
    end, 500)
  end, { desc = "Restart the layerls language server" })
end

return M
