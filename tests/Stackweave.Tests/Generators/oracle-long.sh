#!/bin/sh
# Runs the generator oracles on more files than the test suite does (it checks 120 perf.data captures):
#   sh tests/Stackweave.Tests/Generators/oracle-long.sh [COUNT]   (default 1000; about 0.2 s of perf per capture)
# Needs perf 6.1 (/usr/bin/perf). Result of the last run is recorded in tests/Stackweave.Tests/Generators/README.md.
set -eu
cd "$(dirname "$0")/../../.."
dotnet build tests/Stackweave.Tests -c Release 2>&1 | tail -1
STACKWEAVE_GEN_ORACLE_COUNT=${1:-1000} dotnet test tests/Stackweave.Tests -c Release --no-build \
  --filter "FullyQualifiedName~GenPerfOracleTests" 2>&1 | tail -3
