-- gen_runs.lua -- stored runs of the district survey
-- (tests/flows/broadcast/district.yaml) for the export figure of
-- `make bench`, written straight into Redis in the layout of
-- gateway/store.c: a hash sauti:r:{PHONE}:HEX with the fields store_run_fields()
-- writes (v first, as the commit script sets it), indexed by start time in
-- the zset sauti:runs:FLOW.
--
--   redis-cli --eval gen_runs.lua , FIRST COUNT NOW
--
-- makes runs FIRST .. FIRST+COUNT-1 (deterministic: run i is always the
-- same), started over the 30 days before NOW.  Of every 10 runs 8 are
-- completed, 1 active, 1 expired; 4 in 10 came by USSD; 1 in 4 completed
-- runs answered "no" to works and ended early.  Returns the number made.
local first, count, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local flow = 'district'
local districts = {'geita', 'kahama', 'chunya', 'mererani', 'tarime', 'nzega',
	'mpanda', 'handeni', 'shinyanga', 'singida', 'musoma', 'other'}
local needs = {'maji safi', 'vifaa vya usalama', 'mkopo wa vifaa',
	'mafunzo ya uchenjuaji bila zebaki', 'soko la dhahabu', 'huduma ya kwanza'}

for i = first, first + count - 1 do
	-- an id like run_id_new()'s: the person's tag and 16 hex digits,
	-- spread by a multiplicative hash
	local ph = string.format('+2557%08d', 20000000 + i % 80000000)
	local hex = string.format('%08x%08x', (i * 2654435761) % 4294967296, i)
	local id = '{' .. ph .. '}:' .. hex
	local t0 = now - 30 * 86400 + (i * 37) % (30 * 86400)
	local kind = i % 10
	local st = (kind == 8 and 'active') or (kind == 9 and 'expired') or 'completed'
	local ussd = i % 5 < 2
	local lang = (i % 3 == 0) and 'en' or 'sw'
	local works = (i % 4 == 1) and 'no' or 'yes'
	local f = {'v', tostring(3 + i % 5), 'flow', flow,
		'ph', ph,
		'lang', lang, 'ch', ussd and 'ussd' or 'sms', 'st', st}
	local answers = {'a:lang', lang, 'a:district', districts[1 + i % 12]}
	local step, t1 = '', 0
	if st == 'completed' then
		t1 = t0 + 60 + i % 240
		answers[#answers + 1] = 'a:works'
		answers[#answers + 1] = works
		if works == 'yes' then
			for _, kv in ipairs({{'a:days', tostring(i % 8)}, {'a:hours', tostring(i % 25)},
					     {'a:need', needs[1 + i % #needs]}}) do
				answers[#answers + 1] = kv[1]
				answers[#answers + 1] = kv[2]
			end
		end
	else
		step = 'works'
	end
	for _, kv in ipairs({{'step', step}, {'try', '0'}, {'pg', '0'}, {'t0', tostring(t0)},
			     {'t1', tostring(t1)}, {'tu', tostring(t1 > 0 and t1 or t0 + 30)},
			     {'exp', tostring(t0 + 7200)}}) do
		f[#f + 1] = kv[1]
		f[#f + 1] = kv[2]
	end
	if ussd then
		f[#f + 1] = 'us'
		f[#f + 1] = 'ATUid_' .. hex
		f[#f + 1] = 'ut'
		f[#f + 1] = (st == 'completed') and '1*3*1*5*8*maji safi' or '1*3'
		f[#f + 1] = 'aw'
		f[#f + 1] = ''
	end
	for _, v in ipairs(answers) do f[#f + 1] = v end
	redis.call('HSET', 'sauti:r:' .. id, unpack(f))
	redis.call('ZADD', 'sauti:runs:' .. flow, t0, id)
end
return count
