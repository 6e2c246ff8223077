-- Numbers: integer arithmetic and its wrap-around, bitwise operators,
-- conversions, the math library, and the seeded random generator.
print(math.maxinteger, math.mininteger, math.maxinteger + 1 == math.mininteger, -math.mininteger)
print(7 // 2, -7 // 2, 7 % 3, -7 % 3, 7 % -3, 3 * 4, 2 ^ 0.5 > 1.41, 1 // 0.0, -1 // 0.0)
print(pcall(function() return 1 // 0 end), pcall(function() return 1 % 0 end))
print(0xff, 0x7fffffffffffffff, 0xffffffffffffffff, 1 << 62, 1 << 63, 1 << 64, -1 >> 1, 5 & 3, 5 | 3, 5 ~ 3, ~0)
print(math.tointeger(3.0), math.tointeger(3.5), math.tointeger("8"), math.tointeger(2 ^ 63))
print(math.floor(3.7), math.ceil(3.2), math.floor(-3.5), math.ceil(-3.5), math.abs(-4), math.abs(math.mininteger))
print(math.max(1, 9, 3), math.min(4, -2, 8), math.max(1.5, 2), math.fmod(7, 3), math.fmod(-7, 3), math.fmod(7, -3))
print(math.modf(3.75), math.modf(-3.75), math.huge, -math.huge, math.pi)
print(math.sqrt(16), math.sqrt(2), math.exp(0), math.exp(1), math.log(1), math.log(8, 2), math.log(100, 10))
print(math.sin(0), math.cos(0), math.sin(math.pi / 2), math.tan(math.pi / 4), math.atan(1, 1) * 4)
print(math.ult(1, -1), math.ult(-1, 1), 3 == 3.0, 1 < 1.5, math.type(1 // 1), math.type(1 / 1))
print(string.format("%.16g %.16g %.16g", 0.1 + 0.2, 1 / 3, 2 / 3), 0.1 + 0.2 == 0.3, 0.1 + 0.2 - 0.3 > 0)
print(100000000000000, 1e14, 2 ^ 63, math.maxinteger + 0.0, -(2 ^ 63) == math.mininteger)
print(3 % math.huge, -3 % math.huge, 5.5 // 2, 2 ^ -1, 10 / 4, 1e308 * 10, -1e308 * 10)
local nan = 0 / 0
print(nan ~= nan, nan == nan, math.huge > math.maxinteger)
local sum, product = 0, 1
for i = 1, 100 do sum = sum + i * i end
for i = 1, 20 do product = product * i end
print(sum, product, product * 21)
local acc = 0
for i = 1, 100000 do acc = (acc * 31 + i) % 1000000007 end
print(acc)
math.randomseed(42)
local draws = {}
for i = 1, 8 do draws[i] = math.random(1, 1000) end
print(table.concat(draws, " "))
print(math.random(5, 5), math.random(0) ~= nil, math.random() < 1)
math.randomseed(42)
print(math.random(1, 1000) == draws[1])
print(string.format("%.6f %.6f", math.random(), math.random()))
local x = 1.0
for i = 1, 50 do x = x * 1.1 + 0.01 end
print(x, string.format("%.10f", x))
print(7.0 // 0.5, 2^53 + 1, (2^53 + 1) == 2^53, 1e15 + 0.3)
