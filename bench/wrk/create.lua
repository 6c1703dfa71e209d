-- POST a new key with a name unique to this thread and request.
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
    thread:set("id", #threads + 1)
    table.insert(threads, thread)
end

function init(args)
    thread_id = id
end

function request()
    counter = counter + 1
    local body = string.format('{"name":"b%dx%dr%d","role":"merchant-terminal"}',
        thread_id, counter, math.random(1, 1000000000))
    local headers = {}
    for name, value in pairs(wrk.headers) do
        headers[name] = value
    end
    headers["content-type"] = "application/json"
    return wrk.format("POST", nil, headers, body)
end
