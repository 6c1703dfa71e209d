-- GET the path with x-api-key taken in turn from the file $KEYS (one per
-- line), counting responses by status; prints "status <code> <count>" lines.
-- `statuses` is global so that done() can read it from each thread.
local keys = {}
local next_key = 1
statuses = {}
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    for line in io.lines(os.getenv("KEYS")) do
        table.insert(keys, line)
    end
end

function request()
    local key = keys[next_key]
    next_key = next_key % #keys + 1
    local headers = {}
    for name, value in pairs(wrk.headers) do
        headers[name] = value
    end
    headers["x-api-key"] = key
    return wrk.format("GET", nil, headers)
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
    local total = {}
    for _, thread in ipairs(threads) do
        local counts = thread:get("statuses")
        for code, n in pairs(counts) do
            total[code] = (total[code] or 0) + n
        end
    end
    for code, n in pairs(total) do
        io.write(string.format("status %d %d\n", code, n))
    end
end
