-- The headless tests' init: the plugin on the runtimepath, filetype detection
-- on (-u NONE leaves it off), nothing else of the user's.
local here = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h")
local plugin = vim.fn.fnamemodify(here, ":h")
vim.opt.runtimepath:prepend(plugin)
vim.opt.swapfile = false
vim.opt.shadafile = "NONE"
vim.cmd("filetype on")
