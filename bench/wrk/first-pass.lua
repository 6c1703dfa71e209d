-- GET the path once with each key in the file $KEYS (one per line, already
-- in random order), as x-api-key. Thread i of $THREADS takes lines i,
-- i + $THREADS, ...; each of its connections sends the next key of that
-- share not sent yet, and sends nothing more once the share is used up. A
-- thread stops when every key of its share has been answered, and then
-- appends a line to the file $DONE, so that the caller can end wrk early
-- (wrk itself would wait for -d, which here is only an upper bound).
--
-- Prints "pass <answers> <seconds> <keys>", the seconds being from the
-- first request sent to the last answer received over all threads, and
-- "status <code> <count>" lines.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } kw_timespec;
int clock_gettime(int clock, kw_timespec *ts);
]]
local timespec = ffi.new("kw_timespec")

local function now()
    ffi.C.clock_gettime(1, timespec) -- CLOCK_MONOTONIC, the same in every thread
    return tonumber(timespec.tv_sec) + tonumber(timespec.tv_nsec) * 1e-9
end

local share = {}
local reserved = 0 -- requests allowed out by delay(), never more than #share
local sent = 0
-- Globals, so that done() can read them from each thread.
total = 0
answered = 0
started = 0
finished = 0
statuses = {}
local threads = {}

function setup(thread)
    thread:set("id", #threads + 1)
    table.insert(threads, thread)
end

function init(args)
    local count = tonumber(os.getenv("THREADS"))
    local i = 0
    for line in io.lines(os.getenv("KEYS")) do
        if line ~= "" then
            if i % count == id - 1 then
                share[#share + 1] = line
            end
            i = i + 1
        end
    end
    total = #share
end

-- wrk asks before every request how long to wait: not at all while the
-- share lasts (each "yes" reserves one key), then for ever.
function delay()
    if started == 0 then
        started = now()
    end
    if reserved < total then
        reserved = reserved + 1
        return 0
    end
    return 86400000
end

function request()
    local key
    if reserved == 0 then
        -- wrk builds one request to check the script before any thread
        -- runs; it is never sent, so it uses up no key.
        key = share[1]
    else
        sent = sent + 1
        key = share[math.min(sent, total)]
    end
    wrk.headers["x-api-key"] = key
    return wrk.format()
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
    answered = answered + 1
    if answered == total then
        finished = now()
        local done = io.open(os.getenv("DONE"), "a")
        done:write(id, "\n")
        done:close()
        wrk.thread:stop()
    end
end

function done(summary, latency, requests)
    local ended = now() -- for a thread cut short by -d
    local answers, keys, first, last = 0, 0, nil, 0
    local codes = {}
    for _, thread in ipairs(threads) do
        answers = answers + thread:get("answered")
        keys = keys + thread:get("total")
        local s, f = thread:get("started"), thread:get("finished")
        if f == 0 then
            f = ended
        end
        if s > 0 and (first == nil or s < first) then
            first = s
        end
        if f > last then
            last = f
        end
        for code, n in pairs(thread:get("statuses")) do
            codes[code] = (codes[code] or 0) + n
        end
    end
    io.write(string.format("pass %d %.6f %d\n", answers, last - (first or last), keys))
    for code, n in pairs(codes) do
        io.write(string.format("status %d %d\n", code, n))
    end
end
