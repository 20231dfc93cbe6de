"""Fixed values of the Xiaomi Home (ha_xiaomi_home) cloud stand-ins: the
account, the OAuth tokens, the homes and devices the cloud lists, the
property values it answers, and the messages the cloud MQTT broker pushes.
Shared by server.py, device.py and cloud_mqtt.py (the "cloud" and the
device); the client side (client.py) is given only what a user's Home
Assistant has (the OAuth code, its uuid, the region). decode.py does not
import this: it learns everything from the capture and checks against the
truth files.
"""

# ------------------------------------------------------------ addresses
# Only 127.0.0.40-49 (127.0.0.40/29 is what the captures hold).
CLIENT_ADDR = "127.0.0.40"          # the Home Assistant host
API_ADDR = "127.0.0.41"             # de.ha.api.io.mi.com:443
ACCOUNT_ADDR = "127.0.0.42"         # open.account.xiaomi.com:443
BROKER_ADDR = "127.0.0.43"          # de-ha.mqtt.io.mi.com:8883 (mosquitto, TLS)
PURIFIER_ADDR = "127.0.0.44"        # the zhimi.airp.rmb1's local miIO (54321)
PLUG_ADDR = "127.0.0.45"            # listed, does not answer locally
LAMP_ADDR = "127.0.0.46"            # listed, offline
CLOUD_INTERNAL_ADDR = "127.0.0.48"  # the broker's plaintext listener for the cloud's publisher (not captured)

REGION = "de"
API_HOST = "de.ha.api.io.mi.com"
ACCOUNT_HOST = "open.account.xiaomi.com"
BROKER_HOST = "de-ha.mqtt.io.mi.com"
HOSTS = {API_HOST: API_ADDR, ACCOUNT_HOST: ACCOUNT_ADDR, BROKER_HOST: BROKER_ADDR}

# ------------------------------------------------------------ account, OAuth
CLIENT_ID = 2882303761520251711     # the integration's OAUTH2_CLIENT_ID
USER_ID = 6183746251
NICK_NAME = "miio tester"
UNION_ID = "fWDz5_8YQgGGExVXly_pV8E83Mqdq_0l"
VIRTUAL_DID = "8471302956218340175"  # the config flow's random virtual did (webhook id)
HA_UUID = "1b2534f1d576c7f0fe36a0ca892325af"  # homeassistant.helpers.instance_id
# config_flow: sha256(f'{ha_uuid}.{virtual_did}.{cloud_server}').hexdigest()[:32]
UUID = "37b7239f3d948ff8ee372c5386f5d44d"
REDIRECT_URL = "http://homeassistant.local:8123/api/webhook/" + VIRTUAL_DID
OAUTH_CODE = "C3_34338017bc7824b1ffdd43a9e0c16d52"
ACCESS_TOKEN = ("V3_TcswH0x-eoiOZ9gQkJZS8z4vF-oKp7jPXsq1_M8SIYC77TPDfegP9kifyGs0KS6e2r-ms7ZbMRMgPp1xXnIPnldsQMUZ"
                "R7S2RpiI2oLjT3sED3Oo1aWcOjNmrUIi0gfuXfAKJGnkEW9fYGqA")
REFRESH_TOKEN = ("R3_jAkl_IQymIOXg6yImLOkOl_miDzRPznpdCLxR0qwiqNkWl48wSuxEXj7DL-IFTUpF_00BGDjbwBOHWJMoa-a739lRXKi"
                 "AOIswRQgFAdNA0Vl9npSXk7Eh4NeCYfCR7oOKRTMiXzHKfe_uhKe")
# what a refresh_token exchange gives
ACCESS_TOKEN_2 = ("V3_kwvKHMyZJTiJfN38ZlbBPjTp1MpCa1FxigChUSxwRaF82a56fhWexWs9rpUQIKufd98EmbVPzxqSwyFeF2up6qHvV2c"
                  "D8HOG-yNNHS8gMwIVYywBRh_lOJwEGySAeVpJZsVghK9JWlFz9SJy")
REFRESH_TOKEN_2 = ("R3_kfWWdJkMKWQW1_hwTicNA2W7MpvXDXdfAOvPxAnUbN5Ecvv0oGf3pKHXYQM41c9SpeJRPSHjSJoTFcQdR-0kvXuwqGu"
                   "QLb4464IGH_jh5Swpgbrrq0HRShFgdZIDgrlKCS5_u-_pbl7LuMKS")
EXPIRES_IN = 259200
ACCESS_TOKENS = (ACCESS_TOKEN, ACCESS_TOKEN_2)
# the cloud's own publisher on the broker's internal listener
CLOUD_MQTT_USER = "miot-cloud-pubsub"
CLOUD_MQTT_PASSWORD = "internal-publisher-not-a-secret"

# ------------------------------------------------------------ devices
PURIFIER_DID = "571834906"          # 0x2215821a, answers miIO at PURIFIER_ADDR
PURIFIER_TOKEN = "13053ef814cdb0465d52e2c6bca34d5a"
PURIFIER_MAC = "5C:E5:0C:3A:7B:55"
PLUG_DID = "438210775"              # 0x1a1e90d7
PLUG_TOKEN = "8914736763a96d94ff0032968d674def"
LAMP_DID = "1002938477"             # 0x3bc7a06d, offline
LAMP_TOKEN = "660a4a4d3715c6e12b2a5826db201af7"
MAGNET_DID = "blt.3.1h7m2q9rk0k00"  # Bluetooth, reached through a gateway
MAGNET_TOKEN = "9c572072cd6edf150a9fc88f"
SHARED_DID = "1094451238"           # a device another user shares without a home
SHARED_TOKEN = "59738f3f76c6e112598363604ac0b050"
SHARED_OWNER = {"userid": 2958102735, "nickname": "Anna"}

HOME_ID = "263748150001"
ROOM_LIVING = "263748150101"
ROOM_BED = "263748150102"


def _device(did, name, model, spec_type, token, localip, mac, pid, online, fw, rssi, order_time, **extra):
    d = {"did": did, "token": token, "longitude": "0.0", "latitude": "0.0", "name": name, "pid": pid,
         "localip": localip, "mac": mac, "ssid": "HomeNet" if localip else "", "bssid":
         "AA:BB:CC:DD:EE:FF" if localip else "", "parent_id": "", "parent_model": "", "show_mode": 1,
         "model": model, "adminFlag": 1, "shareFlag": 0, "permitLevel": 16, "isOnline": online,
         "desc": "", "extra": {"isSetPincode": 0, "pincodeType": 0, "fw_version": fw, "needVerifyCode": 0,
                               "isPasswordEncrypt": 0},
         "uid": USER_ID, "pd_id": 0, "password": "", "p2p_id": "", "rssi": rssi, "family_id": 0,
         "reset_flag": 0, "spec_type": spec_type, "voice_ctrl": 0, "orderTime": order_time, "owner": None,
         "icon": ""}
    d.update(extra)
    return d


DEVICES = [
    _device(PURIFIER_DID, "Living room purifier", "zhimi.airp.rmb1",
            "urn:miot-spec-v2:device:air-purifier:0000A007:zhimi-rmb1:2", PURIFIER_TOKEN, PURIFIER_ADDR,
            PURIFIER_MAC, 0, True, "4.2.4_0021", -52, 1735689600, pd_id=17645,
            icon="https://cdn.cnbj1.fds.api.mi-img.com/iotweb-product-center/zhimi.airp.rmb1.png"),
    _device(PLUG_DID, "Desk plug", "cuco.plug.v3", "urn:miot-spec-v2:device:outlet:0000A002:cuco-v3:1",
            PLUG_TOKEN, PLUG_ADDR, "44:23:7C:9B:12:E8", 0, True, "2.1.5_0003", -47, 1735689700, pd_id=10385,
            desc="Power on"),
    _device(MAGNET_DID, "Front door sensor", "linp.magnet.m1",
            "urn:miot-spec-v2:device:magnet-sensor:0000A016:linp-m1:1", MAGNET_TOKEN, "",
            "A4:C1:38:5E:2B:91", 6, True, "2.0.3_0012", 0, 1735689800, pd_id=6281),
    _device(LAMP_DID, "Bedside lamp", "yeelink.light.lamp4", "urn:miot-spec-v2:device:light:0000A001:yeelink-lamp4:1",
            LAMP_TOKEN, LAMP_ADDR, "7C:49:EB:21:6A:0F", 0, False, "2.0.6_0041", -61, 1735689900, pd_id=1723),
    _device(SHARED_DID, "Anna's heater", "zhimi.heater.mc2",
            "urn:miot-spec-v2:device:heater:0000A01A:zhimi-mc2:1", SHARED_TOKEN, "127.0.0.47",
            "64:90:C1:8D:0E:33", 0, True, "2.1.3", -58, 1735690000, pd_id=9035, shareFlag=1, permitLevel=36,
            owner=SHARED_OWNER),
]
DEVICES_BY_DID = {d["did"]: d for d in DEVICES}

HOMES = {
    "homelist": [{
        "id": HOME_ID, "name": "Home", "bssid": "AA:BB:CC:DD:EE:FF", "dids": [], "temp_dids": None,
        "icon": "", "shareflag": 0, "permit_level": 16, "status": 0, "background": "", "smart_room_background": "",
        "longitude": 13.404954, "latitude": 52.520008, "city_id": 2950159, "address": "Berlin",
        "create_time": 1735689000, "roomlist": [
            {"id": ROOM_LIVING, "name": "Living room", "bssid": "", "parentid": HOME_ID, "dids":
             [PURIFIER_DID, PLUG_DID], "icon": "", "background": "", "shareflag": 0, "create_time": 1735689010},
            {"id": ROOM_BED, "name": "Bedroom", "bssid": "", "parentid": HOME_ID, "dids": [MAGNET_DID, LAMP_DID],
             "icon": "", "background": "", "shareflag": 0, "create_time": 1735689020}],
        "uid": USER_ID, "appear_home_list": None, "popup_flag": 0, "popup_time_stamp": 0, "car_did": ""}],
    "share_home_list": [],
    "has_more": False, "max_id": "",
}

# miotspec/prop/get: (did, siid, piid) -> value; anything else answers -704030013
PROPERTY_VALUES = {
    (PURIFIER_DID, 2, 1): True, (PURIFIER_DID, 2, 2): 0, (PURIFIER_DID, 2, 4): 0,
    (PURIFIER_DID, 3, 1): 48, (PURIFIER_DID, 3, 4): 12, (PURIFIER_DID, 3, 7): 21.5,
    (PURIFIER_DID, 4, 1): 87, (PURIFIER_DID, 4, 3): 131, (PURIFIER_DID, 4, 4): 226,
    (PURIFIER_DID, 6, 1): True, (PURIFIER_DID, 8, 1): False, (PURIFIER_DID, 13, 2): 2,
    (PURIFIER_DID, 9, 1): 1230, (PURIFIER_DID, 9, 11): 7,
    (PLUG_DID, 2, 1): True, (PLUG_DID, 11, 2): 38,
    (MAGNET_DID, 2, 1004): 2,
    (SHARED_DID, 2, 1): False, (SHARED_DID, 2, 5): 22,
}
OFFLINE_DIDS = {LAMP_DID}
UPDATE_TIME = 1767225600

# ------------------------------------------------------------ cloud MQTT pushes
# (topic, payload text) as the cloud publishes them; payloads are compact JSON
# (the real cloud's, as the integration logs them: {"method":...,"params":{...}}).
def _prop(did, siid, piid, value):
    return ("device/%s/up/properties_changed/%d/%d" % (did, siid, piid),
            {"method": "properties_changed", "params": {"did": did, "siid": siid, "piid": piid, "value": value}})


def _event(did, siid, eiid, arguments):
    return ("device/%s/up/event_occured/%d/%d" % (did, siid, eiid),
            {"method": "event_occured", "params": {"did": did, "siid": siid, "eiid": eiid, "arguments": arguments}})


PUSHES = [
    _prop(PURIFIER_DID, 2, 1, True),
    _prop(PURIFIER_DID, 2, 4, 2),
    _prop(PURIFIER_DID, 3, 4, 35),
    _prop(PURIFIER_DID, 3, 7, 22.4),
    _prop(PURIFIER_DID, 3, 1, 51),
    _prop(PURIFIER_DID, 4, 1, 86),
    _prop(PURIFIER_DID, 13, 2, 1),
    _prop(PURIFIER_DID, 9, 11, 9),
    _event(PURIFIER_DID, 9, 5, []),
    _event(PURIFIER_DID, 9, 2, []),
    _prop(PLUG_DID, 2, 1, False),
    _prop(PLUG_DID, 11, 2, 0),
    _event(MAGNET_DID, 2, 1, [{"piid": 1, "value": 1}]),
    ("device/%s/state/online" % LAMP_DID,
     {"device_id": LAMP_DID, "device_name": "Bedside lamp", "event": "online", "model": "yeelink.light.lamp4",
      "timestamp": 1767225961337, "uid": USER_ID}),
    _prop(LAMP_DID, 2, 1, True),
    # The other shape the cloud also sends on these topics (seen from
    # Bluetooth devices translated by the cloud): no "params"; the
    # integration logs it as an invalid message and drops it.
    ("device/%s/up/event_occured/2/1018" % MAGNET_DID,
     {"attr": "event.2.1018", "did": MAGNET_DID, "extra": {"model": "linp.magnet.m1", "pd_id": 6281,
                                                            "specEvent": True, "uid": USER_ID},
      "logid": "0a8edd05b2c47f13a5e0c1", "pub_source": "evttosds-to-pubsub", "shard": 117, "sid": 0,
      "source": "FROM_BLE_TRANSLATE", "status": [{"piid": 1004, "value": 2}], "tid": 86, "time": 1767225970,
      "time_ms": 1767225970412}),
    ("device/%s/state/offline" % PLUG_DID,
     {"device_id": PLUG_DID, "device_name": "Desk plug", "event": "offline", "model": "cuco.plug.v3",
      "timestamp": 1767225985004, "uid": USER_ID}),
]
