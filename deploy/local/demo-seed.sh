#!/usr/bin/env bash
# Seeds the demo community (community 1, "Riverside") through tbctl. Fixed ids make
# it safe to run twice: the second run changes nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
T=build/clients/cli/tbctl
C=--community=1
$T account create riverside-pool $C --owner=pool --owner_ref="communities/1" >/dev/null
$T account create riverside-nhs $C --owner=organisation --owner_ref="communities/1/organisations/nhs" >/dev/null
$T account create green-shoots $C --owner=organisation --owner_ref="communities/1/organisations/green-shoots" >/dev/null
$T account create leisure-centre $C --owner=partner --owner_ref="communities/1/organisations/leisure" >/dev/null
for m in alice bob chen dara eli fatima george hana; do
  $T account create "$m" $C --min=-10h --max=200h --owner_ref="communities/1/members/$m" >/dev/null
done
tx() { $T transfer "$@" >/dev/null; }
tx 2h   --id=demo-1 --provider=alice --receiver=bob --memo="lift to the hospital"
tx 1h30m --id=demo-2 --provider=bob --receiver=chen --memo="help with a benefits form"
tx 3h   --id=demo-3 --provider=chen --receiver=riverside-nhs --kind=contribution --coproduction=co-design --memo="patient panel: discharge leaflet"
tx 2h   --id=demo-4 --provider=dara --receiver=green-shoots --kind=contribution --coproduction=co-delivery --memo="community garden session"
tx 1h   --id=demo-5 --provider=eli --receiver=alice --memo="phone befriending"
tx 45m  --id=demo-6 --provider=fatima --receiver=riverside-pool --kind=donation --memo="donated to the pool"
tx 1h   --id=demo-7 --provider=leisure-centre --receiver=chen --kind=redemption --memo="swim session"
tx 2h   --id=demo-8 --provider=hana --receiver=george --memo="IT help"
echo "demo community seeded: community 1 with 8 members, 2 organisations, a partner and a pool"
