-- payload.lua -- the bytes of data Redis holds under sauti:*, without any of
-- Redis' own overhead: every key's name, plus a string's value, a hash's
-- field names and values, a set's members, a zset's members and 8 bytes
-- for each score.  `make bench` gives it as the baseline of the memory
-- figures: what an ideal store would need for the same sessions.
--
--   redis-cli --eval payload.lua
local total, cursor = 0, '0'
repeat
	local r = redis.call('SCAN', cursor, 'MATCH', 'sauti:*', 'COUNT', 1000)
	cursor = r[1]
	for _, k in ipairs(r[2]) do
		total = total + #k
		local t = redis.call('TYPE', k)['ok']
		if t == 'string' then
			total = total + redis.call('STRLEN', k)
		elseif t == 'hash' then
			for _, v in ipairs(redis.call('HGETALL', k)) do total = total + #v end
		elseif t == 'set' then
			for _, v in ipairs(redis.call('SMEMBERS', k)) do total = total + #v end
		elseif t == 'zset' then
			for _, v in ipairs(redis.call('ZRANGE', k, 0, -1)) do total = total + #v + 8 end
		end
	end
until cursor == '0'
return total
