-- Tables: construction, the length operator, table library, sorting with
-- and without comparators, packing and unpacking.
local t = {10, 20, 30, x = 1, ["y z"] = 2, [5] = 50}
print(#{1, 2, 3}, t[1], t.x, t["y z"], t[5], t[4], #{})
table.insert(t, 40)
table.insert(t, 1, 5)
print(table.concat(t, ",", 1, 5))
print(table.remove(t), table.remove(t, 1), table.concat(t, ","))
print(table.unpack({1, 2, 3}))
print(select("#", table.unpack({1, nil, 3}, 1, 3)))
local packed = table.pack(1, nil, 3)
print(packed.n, packed[1], packed[2], packed[3])
print(table.concat({}, ","), table.concat({1, 2.5, "x"}, "-"), pcall(table.concat, {{}}))
local moved = table.move({1, 2, 3, 4, 5}, 2, 4, 1)
print(table.concat(moved, ","))
local words = {"pear", "apple", "fig", "banana", "cherry", "date", "elderberry", "grape"}
table.sort(words)
print(table.concat(words, " "))
table.sort(words, function(a, b) return #a < #b or (#a == #b and a < b) end)
print(table.concat(words, " "))
local numbers = {}
local seed = 7
for i = 1, 200 do seed = (seed * 1103515245 + 12345) % 2147483648 numbers[i] = seed % 1000 end
table.sort(numbers)
local ok = true
for i = 2, #numbers do ok = ok and numbers[i - 1] <= numbers[i] end
print(ok, numbers[1], numbers[100], numbers[200])
table.sort(numbers, function(a, b) return a > b end)
print(numbers[1], numbers[200])
print(pcall(table.sort, {3, 1, "x"}))
local keys = {}
for k in pairs({b = 1, a = 2, c = 3, 1, 2}) do keys[#keys + 1] = tostring(k) end
table.sort(keys)
print(table.concat(keys, " "))
local count = 0
for i, v in ipairs({1, 2, nil, 4}) do count = count + 1 end
print(count, next({}), type(next({5})))
local nested = {a = {b = {c = "deep"}}}
print(nested.a.b.c, rawlen({1, 2}), rawequal(t, t), rawget({5}, 1))
local grid = {}
for i = 1, 3 do grid[i] = {} for j = 1, 3 do grid[i][j] = i * j end end
print(grid[2][3], #grid, #grid[1])
local big = {}
for i = 1, 10000 do big[i] = i end
print(#big, big[10000])
for i = 1, 5000 do big[i] = nil end
local n = 0
for _ in pairs(big) do n = n + 1 end
print(n, select(-1, 1, 2, 3), select(2, "a", "b", "c"))
