-- expire.lua -- deletes every key under sauti: whose time to live ends
-- within ARGV[1] seconds: what waiting that long would leave.  The memory
-- stage (run.sh) stands for the USSD repeat keys' 15 minutes with it: the
-- replies (sauti:mo:{PHONE}:u:*) and the index forget finds them by
-- (sauti:pm:{PHONE}), whose time to live is its newest reply's
-- (docs/keys.md).  Returns how many keys it deleted.
--
--   redis-cli --eval expire.lua , SECONDS
local within, cursor, n = tonumber(ARGV[1]) * 1000, '0', 0
repeat
	local r = redis.call('SCAN', cursor, 'MATCH', 'sauti:*', 'COUNT', 1000)
	cursor = r[1]
	for _, k in ipairs(r[2]) do
		local ttl = redis.call('PTTL', k)
		if ttl >= 0 and ttl <= within then n = n + redis.call('UNLINK', k) end
	end
until cursor == '0'
return n
