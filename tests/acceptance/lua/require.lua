-- require, dofile and loadfile with module paths relative to the working
-- directory ("./?.lua" in the default package.path).
print(package.path:find("./?.lua", 1, true) ~= nil, package.config:sub(1, 1))
local mod = require("tmp.lua.mymodule")
print(mod.name, mod.add(2, 3), mod.loads)
local again = require("tmp.lua.mymodule")
print(again == mod, package.loaded["tmp.lua.mymodule"] == mod, mod.loads)
local ok, err = pcall(require, "tmp.lua.no_such_module")
print(ok, (err:match("^[^\n]*")))
print(dofile("tmp/lua/mymodule.lua").loads)
local chunk = loadfile("tmp/lua/mymodule.lua")
print(type(chunk), chunk().name)
print(loadfile("tmp/lua/no_such_file.lua"))
package.path = "tmp/lua/?.lua;" .. package.path
print(require("mymodule") ~= mod, require("mymodule").name)
