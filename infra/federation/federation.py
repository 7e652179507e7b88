"""Run MirrorMaker 2 from the project's Kafka jars: `python infra/federation/federation.py REGION REGION_BOOTSTRAP NATIONAL_BOOTSTRAP`.

Writes the filled-in properties next to its state and execs MirrorMaker in dedicated mode.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    region, region_bootstrap, national_bootstrap = sys.argv[1:4]
    state = Path(os.environ.get("SAMLA_STACK_DIR", ROOT / ".stack")) / f"mirror-maker-{region}"
    state.mkdir(parents=True, exist_ok=True)
    properties = state / "mirror-maker.properties"
    template = (ROOT / "infra/federation/mirror-maker.properties").read_text()
    properties.write_text(template.replace("@REGION@", region).replace("@REGION_BOOTSTRAP@", region_bootstrap)
                          .replace("@NATIONAL_BOOTSTRAP@", national_bootstrap))
    lib = Path(os.environ.get("SAMLA_KAFKA_LIB", ROOT / ".stack/kafka-lib"))
    command = ["java", "-Xmx256m", "-Xms64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
               "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", f"{lib}/*",
               "org.apache.kafka.connect.mirror.MirrorMaker", str(properties)]
    os.execvp(command[0], command)


if __name__ == "__main__":
    main()
