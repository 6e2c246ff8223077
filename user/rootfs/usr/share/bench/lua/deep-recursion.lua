-- Benchmark (make bench, harness/hostbench.py): time until unbounded Lua
-- recursion (not a tail call) raises Lua's own "stack overflow" error,
-- which takes Lua's stack to its limit (LUAI_MAXSTACK, a million slots) and
-- so grows and copies it many times. Prints the CPU seconds os.clock()
-- measured around the pcall and whether the error was "stack overflow".
local function down(depth) return down(depth + 1) + 1 end
local start = os.clock()
local ok, message = pcall(down, 1)
local seconds = os.clock() - start
local overflow = not ok and string.find(tostring(message), "stack overflow", 1, true) ~= nil
print(string.format("deep-recursion 1 %.6f %s", seconds, overflow and "stack-overflow" or tostring(message)))
