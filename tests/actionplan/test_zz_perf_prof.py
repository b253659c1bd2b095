import cProfile, pstats, time, io
from django.test import Client
from actionplan import services
from actionplan.models import OrganizationSystem, TargetSystem
from tests.actionplan.test_views import url

def test_prof(client, alice, plan, sapporo, programme):
    systems = TargetSystem.objects.bulk_create(TargetSystem(name=f"業務システム{n:04d}", organization=sapporo) for n in range(1660))
    OrganizationSystem.objects.bulk_create(OrganizationSystem(organization=sapporo, system=s) for s in systems)
    services.systems_listed(sapporo)
    client.force_login(alice)
    r = client.get(url("plan", sapporo)); print("rows", r.content.count(b'class="plan-row'), len(r.content))
    times=[]
    for _ in range(3):
        t=time.perf_counter(); client.get(url("plan", sapporo)); times.append(time.perf_counter()-t)
    print("times", times)
    open("/tmp/perf_page.html","wb").write(r.content)
    pr = cProfile.Profile(); pr.enable(); client.get(url("plan", sapporo)); pr.disable()
    s = io.StringIO(); pstats.Stats(pr, stream=s).sort_stats("cumulative").print_stats(45); print(s.getvalue()[:9000])
    s = io.StringIO(); pstats.Stats(pr, stream=s).sort_stats("tottime").print_stats(25); print(s.getvalue()[:6000])
