-- utf8: encoding, decoding, lengths, offsets, iteration and invalid input.
print(utf8.char(72, 228, 8364, 128512, 0x10FFFF):byte(1, -1))
print(utf8.char(72, 228, 8364), utf8.charpattern)
local s = "héllo wörld €"
print(#s, utf8.len(s), utf8.len("abc"), utf8.len(""), utf8.len("\xff"), utf8.len(s, 3))
print(utf8.codepoint(s, 1, -1))
for p, c in utf8.codes("añ€😀") do io.write(p, ":", c, " ") end
print()
print(utf8.offset(s, 3), utf8.offset(s, -1), utf8.offset(s, 0, 3), utf8.offset("abc", 5))
print(pcall(utf8.codepoint, "\xff"), pcall(utf8.len, s, 100))
print(pcall(function() for _ in utf8.codes("a\xffb") do end end))
local count = 0
for ch in s:gmatch(utf8.charpattern) do count = count + 1 end
print(count, utf8.len("\u{7FF}\u{800}\u{FFFF}\u{10000}"), "\u{48}\u{49}")
print(utf8.char(), pcall(utf8.char, -1), utf8.codepoint("\u{7FFFFFFF}", 1, 1, true))
print(utf8.len("\xC0\x80"), utf8.len("\xED\xA0\x80"), utf8.len("\xED\xA0\x80", 1, -1, true))
local reversed = {}
for _, c in utf8.codes("€uro") do table.insert(reversed, 1, utf8.char(c)) end
print(table.concat(reversed))
