-- Benchmark (make bench, harness/hostbench.py): a floating-point loop of
-- arg[1] iterations (default 1e7): a dependent multiply-add and a divide on
-- doubles each, as the C row "floating-point loop" does. Prints the
-- iterations, the CPU seconds os.clock() measured around the loop, and the
-- loop's result to 6 digits (the same on both, else the row is wrong).
local n = math.tointeger(tonumber(arg[1] or "1e7"))
local start = os.clock()
local x, y = 1.0, 0.0
for _ = 1, n do
  x = x * 1.0000001 + 0.5
  y = y + x / (x + 1.0)
end
local seconds = os.clock() - start
print(string.format("float-loop %d %.6f %.6g", n, seconds, x + y))
