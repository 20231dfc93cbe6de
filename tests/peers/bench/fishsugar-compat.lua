-- Loads the fishsugar miIO Lua dissector (the file named by $FISHSUGAR_LUA,
-- unchanged, with its libs/md5.lua beside it) on Wiresharks older than 4.6.
-- It needs two Lua APIs that 4.6 added: Pref.uat (its token table) and
-- GcryptCipher (AES-128-CBC). Where they are missing this fills them in:
--   - Pref.uat becomes a string preference holding the UAT file's text
--     ($HOME/.config/wireshark/<its file name>, the file 4.6 would read), and
--     the dissector's ipairs() over it yields that file's rows;
--   - GcryptCipher decrypts with OpenSSL through luaossl (Debian:
--     lua-luaossl), C code like libgcrypt, so the measured cost stays the
--     dissector's own (its pure-Lua MD5 per frame, its tree, the JSON call).
-- Only the fishsugar chunk sees these; other Lua code sees the real globals.
-- Used by tests/bench/peers-bench.sh: tshark -X lua_script:fishsugar-compat.lua
local path = assert(os.getenv("FISHSUGAR_LUA"), "FISHSUGAR_LUA is not set")
local dir = path:match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path -- for its require 'libs/md5'

local env = setmetatable({}, { __index = _G })

-- "a","b" rows of a UAT file -> { {a, b}, ... } (no escapes in tokens or ids)
local function uat_rows(text)
  local rows = {}
  for line in text:gmatch("[^\r\n]+") do
    local row = {}
    for field in line:gmatch('"([^"]*)"') do row[#row + 1] = field end
    if #row > 0 then rows[#rows + 1] = row end
  end
  return rows
end

if not pcall(function() return Pref.uat end) then
  env.Pref = setmetatable({
    uat = function(label, _fields, descr, filename)
      local f = io.open(Dir.personal_config_path(filename), "r")
      local text = f and f:read("*a") or ""
      if f then f:close() end
      return Pref.string(label, text, descr)
    end,
  }, { __index = function(_, k) return Pref[k] end })
  env.ipairs = function(t)
    if type(t) == "string" then return ipairs(uat_rows(t)) end
    return ipairs(t)
  end
end

if rawget(_G, "GcryptCipher") == nil then
  local cipher = require("openssl.cipher")
  env.GCRY_CIPHER_AES, env.GCRY_CIPHER_MODE_CBC = 7, 3 -- libgcrypt's values
  env.GcryptCipher = {
    open = function(algo, mode, _flags)
      assert(algo == 7 and mode == 3, "only AES-128-CBC is filled in")
      local key, iv
      return {
        setkey = function(_, k) key = k:raw() end,
        setiv = function(_, v) iv = v:raw() end,
        -- gcrypt leaves the padding in; so does this (padding off)
        decrypt = function(_, _out, data)
          local c = cipher.new("aes-128-cbc")
          c:decrypt(key, iv, false)
          return ByteArray.new(c:final(data:raw()), true)
        end,
      }
    end,
  }
end

-- warn() is Lua 5.4's; Wireshark before 4.4 embeds Lua 5.2 (or 5.1).
if rawget(_G, "warn") == nil then
  env.warn = function(...) io.stderr:write("fishsugar warn: ", ..., "\n") end
end

-- Wireshark's own loadfile() takes no environment: read and load() instead.
local f = assert(io.open(path, "r"))
local text = f:read("*a")
f:close()
assert(load(text, "@" .. path, "t", env))()
