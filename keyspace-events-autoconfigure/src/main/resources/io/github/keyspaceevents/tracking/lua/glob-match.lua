local out = {}
for i = 2, #ARGV do if glob(ARGV[1], ARGV[i]) then out[#out + 1] = ARGV[i] end end
return out
