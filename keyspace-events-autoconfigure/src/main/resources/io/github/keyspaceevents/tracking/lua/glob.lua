-- Redis' glob matcher (stringmatchlen), so that a claim takes only keys this instance has handlers for, by the
-- rules Redis applies to PSUBSCRIBE and KEYS. Range bounds compare as signed bytes, as Redis does on x86-64.
local function signed(b) if b > 127 then return b - 256 end return b end
local function globAt(p, pi, s, si, depth, skip)
	local plen, slen = #p, #s
	if depth > 1000 then return false end
	while pi <= plen and si <= slen do
		local c = string.byte(p, pi)
		if c == 42 then
			while pi < plen and string.byte(p, pi + 1) == 42 do pi = pi + 1 end
			if pi == plen then return true end
			while si <= slen do
				if globAt(p, pi + 1, s, si, depth + 1, skip) then return true end
				if skip[1] then return false end
				si = si + 1
			end
			skip[1] = true
			return false
		elseif c == 63 then
			si = si + 1
		elseif c == 91 then
			pi = pi + 1
			local negate = string.byte(p, pi) == 94
			if negate then pi = pi + 1 end
			local matched = false
			local sc = string.byte(s, si)
			while true do
				local pc = string.byte(p, pi)
				if pc == 92 and plen - pi + 1 >= 2 then
					pi = pi + 1
					if string.byte(p, pi) == sc then matched = true end
				elseif pc == 93 then
					break
				elseif pi > plen then
					pi = pi - 1
					break
				elseif plen - pi + 1 >= 3 and string.byte(p, pi + 1) == 45 then
					local lo, hi = signed(pc), signed(string.byte(p, pi + 2))
					if lo > hi then lo, hi = hi, lo end
					pi = pi + 2
					local sv = signed(sc)
					if sv >= lo and sv <= hi then matched = true end
				elseif pc == sc then
					matched = true
				end
				pi = pi + 1
			end
			if negate then matched = not matched end
			if not matched then return false end
			si = si + 1
		else
			if c == 92 and plen - pi + 1 >= 2 then
				pi = pi + 1
				c = string.byte(p, pi)
			end
			if c ~= string.byte(s, si) then return false end
			si = si + 1
		end
		pi = pi + 1
		if si > slen then
			while pi <= plen and string.byte(p, pi) == 42 do pi = pi + 1 end
			break
		end
	end
	return pi > plen and si > slen
end
local function glob(p, s)
	-- As KEYS: a lone '*' matches every key, the empty one included.
	if p == '*' then return true end
	return globAt(p, 1, s, 1, 0, { false })
end
