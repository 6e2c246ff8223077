-- Metatables: arithmetic, comparison, concatenation, length, call,
-- indexing and assignment hooks, tostring, inheritance, and finalizers.
local Vector = {}
Vector.__index = Vector
local function vec(x, y) return setmetatable({x = x, y = y}, Vector) end
Vector.__add = function(a, b) return vec(a.x + b.x, a.y + b.y) end
Vector.__sub = function(a, b) return vec(a.x - b.x, a.y - b.y) end
Vector.__mul = function(a, k) return vec(a.x * k, a.y * k) end
Vector.__unm = function(a) return vec(-a.x, -a.y) end
Vector.__eq = function(a, b) return a.x == b.x and a.y == b.y end
Vector.__lt = function(a, b) return a:length() < b:length() end
Vector.__le = function(a, b) return a:length() <= b:length() end
Vector.__len = function(a) return 2 end
Vector.__tostring = function(a) return "(" .. a.x .. ", " .. a.y .. ")" end
Vector.__concat = function(a, b) return tostring(a) .. tostring(b) end
Vector.__call = function(a, k) return a.x * k end
Vector.__idiv = function(a, k) return vec(a.x // k, a.y // k) end
Vector.__mod = function(a, k) return vec(a.x % k, a.y % k) end
Vector.__band = function(a, b) return "band" end
function Vector:length() return math.sqrt(self.x * self.x + self.y * self.y) end
local a, b = vec(3, 4), vec(1, 2)
print(tostring(a + b), tostring(a - b), tostring(a * 2), tostring(-a), a == vec(3, 4), a ~= b)
print(b < a, a <= b, #a, a .. b, a(10), tostring(a // 2), tostring(a % 2), a & b, a:length())
local defaults = setmetatable({}, {__index = function(t, k) return k .. "?" end})
print(defaults.anything, rawget(defaults, "anything"))
local log = {}
local watched = setmetatable({}, {__newindex = function(t, k, v) log[#log + 1] = k rawset(t, k, v * 10) end})
watched.a = 1 watched.b = 2 watched.a = 3
print(table.concat(log, ","), watched.a, watched.b)
local Animal = {} Animal.__index = Animal
function Animal.new(name) return setmetatable({name = name}, Animal) end
function Animal:speak() return self.name .. " makes a sound" end
local Dog = setmetatable({}, {__index = Animal}) Dog.__index = Dog
function Dog.new(name) return setmetatable(Animal.new(name), Dog) end
function Dog:speak() return self.name .. " barks; " .. Animal.speak(self) end
print(Dog.new("Rex"):speak(), getmetatable(Dog.new("x")) == Dog)
local locked = setmetatable({}, {__metatable = "locked"})
print(getmetatable(locked), pcall(setmetatable, locked, {}))
print(getmetatable("").__index == string, ("x"):upper())
local proxy = setmetatable({}, {__pairs = function() return function(_, k) if not k then return 1, "one" end end, nil, nil end})
for k, v in pairs(proxy) do print("pairs", k, v) end
local finalized = {}
do
    for i = 1, 3 do setmetatable({}, {__gc = function() finalized[#finalized + 1] = i end}) end
end
collectgarbage() collectgarbage()
table.sort(finalized)
print("finalized", table.concat(finalized, ","))
local weak = setmetatable({}, {__mode = "k"})
weak[{}] = 1
collectgarbage()
print("weak entries left", next(weak))
print(rawequal(a, vec(3, 4)), rawlen({1, 2, 3}), collectgarbage("count") > 0, collectgarbage("isrunning"))
local mt = {__index = function(t, k) return k * 2 end, __newindex = function() error("read-only") end}
local doubled = setmetatable({}, mt)
print(doubled[21], pcall(function() doubled[1] = 1 end))
