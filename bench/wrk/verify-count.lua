-- POST /api/verify with {"key": K}, K picked uniformly at random for every
-- request among the keys in the file $KEYS (one per line; a file of one key
-- verifies that key every time), and counts what came back, so that the
-- caller can compare it with what the server counted.
--
-- $STOP_AFTER (seconds, optional): each thread sends nothing more once that
-- long has passed since its first request, so that every request sent is
-- answered before wrk's -d ends (give -d a second more). Without it, wrk's
-- -d cuts the run, and answers in flight then are never seen.
-- $WINDOWS=1 (optional): also counts the valid answers by the rateLimit
-- window they were counted in (their "resetAt", the window's end).
--
-- Prints at the end:
--   "counted <sent> <answered> <valid> <seconds> <first> <last>": requests
--     sent, answers received, answers with "valid":true, the seconds from
--     the first request sent to the last answer received over all threads,
--     and those two instants (CLOCK_MONOTONIC seconds);
--   "invalid <count>": answers without "valid":true;
--   "status <code> <count>", "code <CODE> <count>" (answers without
--     "valid":true, by their code) and "window <resetAt> <count>" lines.
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

local bodies = {}
local count = 0
local stop_after = tonumber(os.getenv("STOP_AFTER") or "") or 0
local by_window = os.getenv("WINDOWS") == "1"
-- Globals, so that done() can read them from each thread.
sent = 0
answered = 0
valid = 0
started = 0
finished = 0
statuses = {}
codes = {}
windows = {}
local threads = {}

function setup(thread)
    thread:set("id", #threads + 1)
    table.insert(threads, thread)
end

function init(args)
    for line in io.lines(os.getenv("KEYS")) do
        if line ~= "" then
            count = count + 1
            bodies[count] = '{"key":"' .. line .. '"}'
        end
    end
    -- A different sequence in every thread and every run.
    math.randomseed(os.time() * 1000 + id * 7919 + math.floor(os.clock() * 1e6))
    wrk.method = "POST"
    wrk.headers["content-type"] = "application/json"
end

-- wrk asks before every request how long to wait: not at all until
-- $STOP_AFTER, then for ever. Every "not at all" is one request sent (wrk
-- also calls request() once to check the script, which is never sent, so
-- requests are counted here).
function delay()
    local t = now()
    if started == 0 then
        started = t
    end
    if stop_after > 0 and t - started >= stop_after then
        return 86400000
    end
    sent = sent + 1
    return 0
end

function request()
    if count == 1 then
        return wrk.format(nil, nil, nil, bodies[1])
    end
    return wrk.format(nil, nil, nil, bodies[math.random(count)])
end

function response(status, headers, body)
    answered = answered + 1
    finished = now()
    statuses[status] = (statuses[status] or 0) + 1
    if string.find(body, '"valid":true', 1, true) then
        valid = valid + 1
        if by_window then
            local reset = string.match(body, '"resetAt":"([^"]+)"') or "none"
            windows[reset] = (windows[reset] or 0) + 1
        end
    else
        local code = string.match(body, '"code":"([%u_]+)"') or ("HTTP_" .. status)
        codes[code] = (codes[code] or 0) + 1
    end
end

function done(summary, latency, requests)
    local total_sent, total_answered, total_valid, first, last = 0, 0, 0, nil, 0
    local all_statuses, all_codes, all_windows = {}, {}, {}
    local function add(into, from)
        for k, n in pairs(from) do
            into[k] = (into[k] or 0) + n
        end
    end
    for _, thread in ipairs(threads) do
        total_sent = total_sent + thread:get("sent")
        total_answered = total_answered + thread:get("answered")
        total_valid = total_valid + thread:get("valid")
        local s, f = thread:get("started"), thread:get("finished")
        if s > 0 and (first == nil or s < first) then
            first = s
        end
        if f > last then
            last = f
        end
        add(all_statuses, thread:get("statuses"))
        add(all_codes, thread:get("codes"))
        add(all_windows, thread:get("windows"))
    end
    io.write(string.format("counted %d %d %d %.6f %.6f %.6f\n", total_sent, total_answered,
        total_valid, math.max(0, last - (first or last)), first or 0, last))
    io.write(string.format("invalid %d\n", total_answered - total_valid))
    for code, n in pairs(all_statuses) do
        io.write(string.format("status %d %d\n", code, n))
    end
    for code, n in pairs(all_codes) do
        io.write(string.format("code %s %d\n", code, n))
    end
    for reset, n in pairs(all_windows) do
        io.write(string.format("window %s %d\n", reset, n))
    end
end
