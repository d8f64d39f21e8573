"""Build the routing index from scratch (and write the seed remit of every catalogue department without one).

``--time N`` then times N recommendations and N similar-suggestion searches of random suggestions, as a
page asks them (the index built, the database read for the viewer's rights): p50 and p95.
"""

import random
import time

from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand

from departments.models import Department
from routing import index as routing_index
from routing.models import Remit
from routing.recommend import recommend
from routing.remits import SEED
from routing.similar import similar
from suggestions.models import Suggestion


def _percentiles(laps: list[float]) -> str:
    laps = sorted(laps)
    return f"p50 {laps[len(laps) // 2]:.1f} ms, p95 {laps[int(len(laps) * 0.95)]:.1f} ms"


class Command(BaseCommand):
    help = "建立交办推荐索引：为尚无职责的目录单位写入预置职责，再从数据库重建索引。"

    def add_arguments(self, parser):
        parser.add_argument("--no-seed", action="store_true", help="不写入预置职责")
        parser.add_argument("--time", type=int, default=0, metavar="N", help="time N queries after the build")

    def handle(self, *args, no_seed=False, time=0, **options):
        if not no_seed:
            have = set(Remit.objects.values_list("department_id", flat=True))
            new = [
                Remit(department=d, text=SEED[d.name][0], keywords=SEED[d.name][1])
                for d in Department.objects.filter(name__in=list(SEED)).exclude(pk__in=have)
            ]
            for remit in new:
                remit.save()  # one at a time: each save retires the remit part of every index
            self.stdout.write(f"seeded remits: {len(new)}")
        started = _now()
        routing_index.reset()
        idx = routing_index.rebuild()
        self.stdout.write(
            f"routing index: {len(idx.past)} suggestions, {len(idx.remits)} remits, "
            f"{len(idx.ids)} n-grams, data version {idx.version}, built in {_now() - started:.1f} s"
        )
        if time and idx.past:
            self._time(time, list(idx.past))

    def _time(self, n: int, ids: list[int]) -> None:
        rng = random.Random(12)
        picked = Suggestion.objects.select_related("session").in_bulk(rng.sample(ids, min(n, len(ids))))
        rec, sim = [], []
        anonymous = AnonymousUser()
        for s in picked.values():
            started = _now()
            recommend(s)
            rec.append((_now() - started) * 1000)
            started = _now()
            similar(s, anonymous)
            sim.append((_now() - started) * 1000)
        self.stdout.write(f"recommended departments ({len(rec)} queries): {_percentiles(rec)}")
        self.stdout.write(f"similar suggestions ({len(sim)} queries): {_percentiles(sim)}")


def _now() -> float:
    return time.perf_counter()
