-- A module for require.lua: counts how often its chunk runs.
LOADS = (LOADS or 0) + 1
return {name = "mymodule", add = function(a, b) return a + b end, loads = LOADS}
