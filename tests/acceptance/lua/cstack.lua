-- Recursion through C functions (gsub calling back into Lua, nested pcall)
-- ends in Lua's "C stack overflow" error, not a crash.
local function nest(s) return (s:gsub(".", nest)) end
print(pcall(nest, "x"))
local depth = 0
local function protected() depth = depth + 1 return pcall(protected) end
protected()
print(depth > 150)
