"""The record kinds of the upstream protocol, for the tools that read it.

A version 2 message says its kind by its topic (.../alarm, .../fault,
.../hazard); a version 1 hazard event, queued before a gateway was
upgraded, says it by its type (docs/protocol.md, "Reading version 1 and
version 2"): overcharge and anything unknown stay a hazard.
"""

KINDS = ("alarm", "fault", "hazard")

V1_ALARM_TYPES = frozenset({"gas_leak", "co_alarm", "smoke_alarm", "charger_overtemp",
                            "charger_overcurrent", "charger_overpower"})
V1_FAULT_TYPES = frozenset({"device_offline", "low_battery", "tamper", "detector_fault",
                            "command_failed", "storage_fault", "payload_unreadable"})


def v1_kind(rtype):
    """The kind a version 1 hazard event of this type really was."""
    if rtype in V1_ALARM_TYPES:
        return "alarm"
    if rtype in V1_FAULT_TYPES:
        return "fault"
    return "hazard"
