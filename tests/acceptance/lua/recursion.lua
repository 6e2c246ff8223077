-- Unbounded Lua recursion ends in Lua's own "stack overflow" error.
local function deeper(n) return 1 + deeper(n + 1) end
local ok, err = pcall(deeper, 1)
print(ok, err)
