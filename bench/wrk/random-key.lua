-- GET the path with x-api-key picked uniformly at random, for every request,
-- among the keys in the file $KEYS (one per line). Counts answers by status
-- and prints "status <code> <count>" lines at the end.
-- `statuses` is global so that done() can read it from each thread.
local keys = {}
local count = 0
statuses = {}
local threads = {}

function setup(thread)
    thread:set("id", #threads + 1)
    table.insert(threads, thread)
end

function init(args)
    for line in io.lines(os.getenv("KEYS")) do
        if line ~= "" then
            count = count + 1
            keys[count] = line
        end
    end
    -- A different sequence in every thread and every run.
    math.randomseed(os.time() * 1000 + id * 7919 + math.floor(os.clock() * 1e6))
end

function request()
    wrk.headers["x-api-key"] = keys[math.random(count)]
    return wrk.format()
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
    local total = {}
    for _, thread in ipairs(threads) do
        for code, n in pairs(thread:get("statuses")) do
            total[code] = (total[code] or 0) + n
        end
    end
    for code, n in pairs(total) do
        io.write(string.format("status %d %d\n", code, n))
    end
end
