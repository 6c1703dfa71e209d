-- POST /api/verify with {"key": K}, K picked uniformly at random, for every
-- request, among the keys in the file $KEYS (one per line). Counts answers
-- by status, and answers without "valid":true (a 200 that refused the key),
-- and prints "status <code> <count>" lines and an "invalid <count>" line at
-- the end. The globals are read by done() from each thread.
local bodies = {}
local count = 0
statuses = {}
invalid = 0
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

function request()
    return wrk.format(nil, nil, nil, bodies[math.random(count)])
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
    if not string.find(body, '"valid":true', 1, true) then
        invalid = invalid + 1
    end
end

function done(summary, latency, requests)
    local total = {}
    local refused = 0
    for _, thread in ipairs(threads) do
        for code, n in pairs(thread:get("statuses")) do
            total[code] = (total[code] or 0) + n
        end
        refused = refused + thread:get("invalid")
    end
    for code, n in pairs(total) do
        io.write(string.format("status %d %d\n", code, n))
    end
    io.write(string.format("invalid %d\n", refused))
end
