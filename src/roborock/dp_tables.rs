//! The facts behind data-point names, written for this project from
//! python-roborock 7.13.0 (Apache-2.0): `roborock/roborock_message.py`
//! (RoborockDataProtocol, RoborockB01Protocol, RoborockDyadDataProtocol,
//! RoborockZeoProtocol) and `roborock/data/v1/v1_code_mappings.py`
//! (RoborockStateCode, RoborockErrorCode, RoborockChargeStatus; where a
//! code has two members, the name python-roborock displays). Names are its
//! member names, lower case, as its `name` property gives them.

/// V1 (`1.0`, `L01`) pushes: RoborockDataProtocol.
#[rustfmt::skip]
pub(super) static V1: &[(u32, &str)] = &[
    (120, "error_code"), (121, "state"), (122, "battery"), (123, "fan_power"),
    (124, "water_box_mode"), (125, "main_brush_work_time"), (126, "side_brush_work_time"),
    (127, "filter_work_time"), (128, "additional_props"), (130, "task_complete"),
    (131, "task_cancel_low_power"), (132, "task_cancel_in_motion"), (133, "charge_status"),
    (134, "drying_status"), (135, "offline_status"),
];

/// B01: RoborockB01Protocol (not the Q10 variant's B01_Q10_DP).
#[rustfmt::skip]
pub(super) static B01: &[(u32, &str)] = &[
    (101, "rpc_request"), (102, "rpc_response"), (120, "error_code"), (121, "state"),
    (122, "battery"), (123, "fan_power"), (124, "water_box_mode"), (125, "main_brush_life"),
    (126, "side_brush_life"), (127, "filter_life"), (135, "offline_status"),
    (136, "clean_times"), (137, "cleaning_preference"), (138, "clean_task_type"),
    (139, "back_type"), (140, "dock_task_type"), (141, "cleaning_progress"), (142, "fc_state"),
    (201, "start_clean_task"), (202, "start_back_dock_task"), (203, "start_dock_task"),
    (204, "pause"), (205, "resume"), (206, "stop"), (207, "ceip"),
];

/// A01 wet/dry vacuums: RoborockDyadDataProtocol.
#[rustfmt::skip]
pub(super) static DYAD: &[(u32, &str)] = &[
    (134, "drying_status"), (200, "start"), (201, "status"), (202, "self_clean_mode"),
    (203, "self_clean_level"), (204, "warm_level"), (205, "clean_mode"), (206, "suction"),
    (207, "water_level"), (208, "brush_speed"), (209, "power"), (210, "countdown_time"),
    (212, "auto_self_clean_set"), (213, "auto_dry"), (214, "mesh_left"), (215, "brush_left"),
    (216, "error"), (218, "mesh_reset"), (219, "brush_reset"), (221, "volume_set"),
    (222, "stand_lock_auto_run"), (223, "auto_self_clean_set_mode"), (224, "auto_dry_mode"),
    (225, "silent_dry_duration"), (226, "silent_mode"), (227, "silent_mode_start_time"),
    (228, "silent_mode_end_time"), (229, "recent_run_time"), (230, "total_run_time"),
    (235, "feature_info"), (236, "recover_settings"), (237, "dry_countdown"),
    (10000, "id_query"), (10001, "f_c"), (10002, "schedule_task"), (10003, "snd_switch"),
    (10004, "snd_state"), (10005, "product_info"), (10006, "privacy_info"), (10007, "ota_nfo"),
    (10101, "rpc_request"), (10102, "rpc_response"),
];

/// A01 washing machines: RoborockZeoProtocol.
#[rustfmt::skip]
pub(super) static ZEO: &[(u32, &str)] = &[
    (200, "start"), (201, "pause"), (202, "shutdown"), (203, "state"), (204, "mode"),
    (205, "program"), (206, "child_lock"), (207, "temp"), (208, "rinse_times"),
    (209, "spin_level"), (210, "drying_mode"), (211, "detergent_set"), (212, "softener_set"),
    (213, "detergent_type"), (214, "softener_type"), (215, "dirt_detection_switch"),
    (216, "dirt_detection_status"), (217, "countdown"), (218, "washing_left"),
    (219, "doorlock_state"), (220, "error"), (221, "custom_param_save"),
    (222, "custom_param_get"), (223, "sound_set"), (224, "times_after_clean"),
    (225, "default_setting"), (226, "detergent_empty"), (227, "softener_empty"),
    (228, "uv_light"), (229, "light_setting"), (230, "detergent_volume"),
    (231, "softener_volume"), (232, "app_authorization"), (233, "soak"), (234, "total_time"),
    (235, "smart_hosting"), (236, "smart_hosting_time"), (237, "feature_bits"),
    (238, "smart_hosting_waited_time"), (239, "custom_program_cleaning_time"),
    (240, "silent_mode_on"), (241, "silent_mode_start_time"), (242, "silent_mode_end_time"),
    (243, "unknown_243"), (244, "dry_care_mode"), (245, "softener_expansion_type"),
    (247, "smile_light_status"), (248, "detergent_expansion_type"), (249, "fluff_cleaned"),
    (250, "is_need_fluff_clean"), (251, "power_light"), (252, "panel_program_params_set"),
    (253, "panel_program_params_set_result"), (254, "save_adapted_cloud_program"),
    (255, "wash_dry_linked"), (256, "drying_method"), (257, "steam_volume"),
    (258, "ion_deodorization"), (260, "panel_timing_program_params"), (261, "steam_care_time"),
    (262, "device_bound"), (263, "cloth_put_in"), (264, "cloth_ready_to_dry_count_down"),
    (265, "start_dryer_error"), (266, "wifi_linkage_reset"), (10000, "id_query"),
    (10001, "f_c"), (10003, "set_sound_package"), (10004, "snd_state"), (10005, "product_info"),
    (10006, "privacy_info"), (10007, "ota_nfo"), (10008, "washing_log"),
    (10009, "voice_volume"), (10101, "rpc_request"), (10102, "rpc_response"),
    (10301, "voice_switch"), (10302, "voice_record_info"), (10303, "voice_record"),
    (10304, "voice_record_delete"),
];

/// V1 data point 121: RoborockStateCode.
#[rustfmt::skip]
pub(super) static STATE: &[(i64, &str)] = &[
    (0, "unknown"), (1, "starting"), (2, "charger_disconnected"), (3, "idle"),
    (4, "remote_control_active"), (5, "cleaning"), (6, "returning_home"), (7, "manual_mode"),
    (8, "charging"), (9, "charging_problem"), (10, "paused"), (11, "spot_cleaning"),
    (12, "error"), (13, "shutting_down"), (14, "updating"), (15, "docking"),
    (16, "going_to_target"), (17, "zoned_cleaning"), (18, "segment_cleaning"),
    (22, "emptying_the_bin"), (23, "washing_the_mop"), (25, "washing_the_mop"),
    (26, "going_to_wash_the_mop"), (28, "in_call"), (29, "mapping"), (30, "egg_attack"),
    (32, "patrol"), (33, "attaching_the_mop"), (34, "detaching_the_mop"),
    (100, "charging_complete"), (101, "device_offline"), (103, "locked"),
    (202, "air_drying_stopping"), (6301, "robot_status_mopping"), (6302, "clean_mop_cleaning"),
    (6303, "clean_mop_mopping"), (6304, "segment_mopping"),
    (6305, "segment_clean_mop_cleaning"), (6306, "segment_clean_mop_mopping"),
    (6307, "zoned_mopping"), (6308, "zoned_clean_mop_cleaning"),
    (6309, "zoned_clean_mop_mopping"), (6310, "back_to_dock_washing_duster"),
];

/// V1 data point 120: RoborockErrorCode.
#[rustfmt::skip]
pub(super) static ERROR: &[(i64, &str)] = &[
    (0, "none"), (1, "lidar_blocked"), (2, "bumper_stuck"), (3, "wheels_suspended"),
    (4, "cliff_sensor_error"), (5, "main_brush_jammed"), (6, "side_brush_jammed"),
    (7, "wheels_jammed"), (8, "robot_trapped"), (9, "no_dustbin"), (10, "strainer_error"),
    (11, "compass_error"), (12, "low_battery"), (13, "charging_error"), (14, "battery_error"),
    (15, "wall_sensor_dirty"), (16, "robot_tilted"), (17, "side_brush_error"),
    (18, "fan_error"), (19, "dock"), (20, "optical_flow_sensor_dirt"),
    (21, "vertical_bumper_pressed"), (22, "dock_locator_error"), (23, "return_to_dock_fail"),
    (24, "nogo_zone_detected"), (25, "visual_sensor"), (26, "light_touch"),
    (27, "vibrarise_jammed"), (28, "robot_on_carpet"), (29, "filter_blocked"),
    (30, "invisible_wall_detected"), (31, "cannot_cross_carpet"), (32, "internal_error"),
    (34, "collect_dust_error_3"), (35, "collect_dust_error_4"), (36, "mopping_roller_1"),
    (37, "mopping_roller_error_2"), (38, "clear_water_box_hoare"),
    (39, "dirty_water_box_hoare"), (40, "sink_strainer_hoare"),
    (41, "clear_water_box_exception"), (42, "clear_brush_exception"),
    (43, "clear_brush_exception_2"), (44, "filter_screen_exception"), (45, "mopping_roller_1"),
    (48, "up_water_exception"), (49, "drain_water_exception"), (51, "temperature_protection"),
    (52, "clean_carousel_exception"), (53, "clean_carousel_water_full"),
    (54, "water_carriage_drop"), (55, "check_clean_carouse"), (56, "audio_error"),
];

/// V1 data point 133: RoborockChargeStatus.
#[rustfmt::skip]
pub(super) static CHARGE_STATUS: &[(i64, &str)] = &[
    (-1, "unknown"), (0, "charge_waiting"), (1, "charging"),
];
