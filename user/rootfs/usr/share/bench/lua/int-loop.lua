-- Benchmark (make bench, harness/hostbench.py): an integer loop of arg[1]
-- iterations (default 1e7), run the same by the host's lua5.4 and /bin/lua.
-- Prints the iterations, the CPU seconds os.clock() measured around the
-- loop, and the loop's result (the same on both, else the row is wrong).
local n = math.tointeger(tonumber(arg[1] or "1e7"))
local start = os.clock()
local x = 0
for i = 1, n do
  x = (x * 31 + (i ~ 0x5a5a)) % 1000003
end
local seconds = os.clock() - start
print(string.format("int-loop %d %.6f %d", n, seconds, x))
