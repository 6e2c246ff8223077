-- Coroutines: resume and yield passing values both ways, status, wrap,
-- generators, errors inside coroutines, close and isyieldable.
local co = coroutine.create(function(a, b)
    print("start", a, b)
    local c = coroutine.yield(a + b)
    print("got", c)
    local d, e = coroutine.yield(c * 2)
    print("got", d, e)
    return "done", a + b + c
end)
print(coroutine.status(co))
print(coroutine.resume(co, 1, 2))
print(coroutine.status(co))
print(coroutine.resume(co, 10))
print(coroutine.resume(co, "x", "y"))
print(coroutine.status(co), coroutine.resume(co))
local function range(n)
    return coroutine.wrap(function() for i = 1, n do coroutine.yield(i) end end)
end
local total = 0
for i in range(100) do total = total + i end
print(total)
local failing = coroutine.create(function() coroutine.yield(1) error("inside") end)
print(coroutine.resume(failing))
print(coroutine.resume(failing))
print(coroutine.status(failing))
print(coroutine.isyieldable(), type(coroutine.running()))
print(select(2, coroutine.running()))
local inner = coroutine.wrap(function() print(coroutine.isyieldable()) return 7 end)
print(inner())
local closable = coroutine.create(function() coroutine.yield() end)
coroutine.resume(closable)
print(coroutine.close(closable), coroutine.status(closable))
local producer = coroutine.wrap(function()
    for _, word in ipairs({"a", "b", "c"}) do coroutine.yield(word) end
    return nil
end)
local got = {}
while true do local w = producer() if not w then break end got[#got + 1] = w end
print(table.concat(got))
local function fib() local a, b = 0, 1 while true do coroutine.yield(a) a, b = b, a + b end end
local gen = coroutine.wrap(fib)
local fibs = {}
for i = 1, 15 do fibs[i] = gen() end
print(table.concat(fibs, " "))
print(select(2, pcall(coroutine.wrap(function() error({code = 5}) end))).code)
local nested = coroutine.wrap(function()
    local sub = coroutine.wrap(function() coroutine.yield("sub1") coroutine.yield("sub2") end)
    coroutine.yield(sub()) coroutine.yield(sub())
end)
print(nested(), nested())
print(pcall(coroutine.resume, coroutine.running()))
