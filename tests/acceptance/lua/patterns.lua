-- Patterns: find, match, gmatch and gsub with captures, classes, anchors,
-- balanced matches and frontiers.
print(string.find("hello world", "wor"), string.find("hello", "l+"), string.find("a.b", ".", 1, true))
print(string.find("hello", "xyz"), string.find("hello", ""), string.find("hello", "", 10))
print(string.match("key = value", "(%w+)%s*=%s*(%w+)"))
print(string.match("2024-05-17", "(%d+)-(%d+)-(%d+)"))
print(string.match("  trim me  ", "^%s*(.-)%s*$") .. "|")
print(string.match("hello", "()ll()"))
print(string.match("THE (quick) fox", "%((%a+)%)"), string.match("f(a(b)c)d", "%b()"))
print(string.gsub("hello world", "o", "0"))
print(string.gsub("hello world", "(%w+)", "<%1>"))
print(string.gsub("hello world", "%w+", "%0 %0", 1))
print(string.gsub("abc", "", "-"))
print(string.gsub("$name is $age", "%$(%w+)", {name = "Lua", age = 30}))
print(string.gsub("1 2 3", "%d", function(d) return d * 2 end))
print(string.gsub("THE (quick) fox", "%f[%a]%a+", function(w) return w:lower() end))
local words = {}
for w in string.gmatch("one two  three\tfour", "%a+") do words[#words + 1] = w end
print(table.concat(words, "|"))
for k, v in string.gmatch("a=1, b=2, c=3", "(%w+)=(%w+)") do io.write(k, "->", v, " ") end
print()
print(string.match("[[nested]]", "%[(%b[])%]"), string.find("x", "[%a_][%w_]*"))
print(string.match("hello123", "^%a+"), string.match("hello123", "%d+$"), string.match("abc", "^b"))
print(string.match("café", "[\128-\255]+"), ("%d"):rep(3))
print(pcall(string.match, "x", "("), pcall(string.match, "x", "%"))
print(pcall(string.gsub, "x", ".", "%2"))
print(string.gsub("one;two;;three", ";;?", ","))
print(string.match("  x", "^ *()"), string.match("aaa", "a-b"), string.match("aaab", "a-b"))
print(string.format("%s", string.gsub("line1\nline2\n", "\n", "\\n")))
