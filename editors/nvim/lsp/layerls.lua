-- layerls for Neovim 0.11's vim.lsp.config: with editors/nvim on the
-- runtimepath,
--
--   vim.lsp.enable("layerls")
--
-- starts layerls for Dockerfiles with this configuration; change it with
--   vim.lsp.config("layerls", { init_options = { layerlint = { image = "build/app.tar" } } })
--
-- (This replaces require("layerls").setup(): use one or the other.)
return {
  cmd = { "layerls" },
  filetypes = { "dockerfile" },
  root_markers = { ".layerlint.yaml", ".layerlint.yml", ".git" },
  on_attach = function(_, bufnr)
    -- Layer sizes and cache status are inlay hints.
    vim.lsp.inlay_hint.enable(true, { bufnr = bufnr })
  end,
}
