-- Started by os.lua through os.execute: prints its arguments, then exits
-- with the code it was given (or raises an error).
print("child", select("#", ...), ...)
if ... == "error" then error("child failed") end
os.exit(tonumber((...)))
