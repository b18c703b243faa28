"""Runs every HTTP operation of UP42's official Python SDK (up42-py 4.3.0)
against a running up42-testkit sandbox, unmodified: only the SDK's host
functions are pointed at the sandbox. Prints a table of what works.

Started by scripts/official-sdk.sh, which passes the sandbox's URLs as the
first argument (the JSON line `examples/serve.rs` prints).
"""

import json
import os
import sys
import tempfile
import traceback
import warnings

os.environ["UP42_DISABLE_VERSION_CHECK"] = "true"
warnings.simplefilter("ignore")

sandbox = json.loads(sys.argv[1])

import up42  # noqa: E402
from up42 import host  # noqa: E402
from up42 import glossary, order_template, processing_templates, tasking  # noqa: E402

host.endpoint = lambda path: sandbox["base_url"] + path
host.token_endpoint = lambda: sandbox["token_url"]
host.user_info_endpoint = lambda: sandbox["base_url"] + "/realms/public/protocol/openid-connect/userinfo"

ARCHIVE_PRODUCT = "47dadb27-9532-4552-93a5-48f70a83eaef"
SCENE = "DS_PHR1A_202601051030000_FR1_PX_E013N52_0101"
BERLIN = {
    "type": "FeatureCollection",
    "features": [{"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon",
        "coordinates": [[[13.35, 52.45], [13.45, 52.45], [13.45, 52.55], [13.35, 52.55], [13.35, 52.45]]],
    }}],
}

results = []
shared = {}


def operation(code, name):
    def run(function):
        try:
            detail = function()
            results.append((code, name, "ok", detail or ""))
        except Exception as error:  # noqa: BLE001: every failure is a row
            message = f"{type(error).__name__}: {error}".replace("\n", " ")[:160]
            results.append((code, name, "FAILED", message))
            if os.environ.get("VERBOSE"):
                traceback.print_exc()
        return function

    return run


@operation("A1", "up42.authenticate")
def _():
    up42.authenticate(username=sandbox["username"], password=sandbox["password"])
    return f"workspace {up42.base.workspace.id}"


@operation("A2", "up42.stac_client")
def _():
    shared["stac"] = up42.stac_client()
    return shared["stac"].title


@operation("A3", "up42.catalog_client")
def _():
    client = up42.catalog_client()
    scenes = list(client.search(collections=["phr"], bbox=[13.3, 52.4, 13.5, 52.6], max_items=15).items())
    return f"{len(scenes)} scenes"


@operation("G1", "ProductGlossary.get_collections")
def _():
    collections = list(up42.ProductGlossary.get_collections(sort_by=up42.CollectionSorting.name.desc))
    shared["collections"] = collections
    tasking_only = list(up42.ProductGlossary.get_collections(collection_type=up42.CollectionType.TASKING))
    return f"{len(collections)} collections, {len(tasking_only)} tasking"


@operation("G2", "DataProduct.schema")
def _():
    product = next(p for c in shared["collections"] for p in c.data_products if p.id == ARCHIVE_PRODUCT)
    return f"required {product.schema['required']}"


@operation("G3", "Provider.search")
def _():
    provider = next(p for c in shared["collections"] if c.name == "phr" for p in c.providers if "HOST" in p.roles)
    scenes = list(provider.search(bbox=[13.3, 52.4, 13.5, 52.6], collections=["phr", "spot"],
                                  start_date="2026-01-01", end_date="2026-03-31",
                                  query={"cloudCoverage": {"LTE": 50}}))
    shared["scene"] = scenes[0]
    try:
        list(provider.search(bbox=[1, 2, 3]))
        return "a bad bbox was accepted"
    except glossary.InvalidSearchRequest:
        pass
    return f"{len(scenes)} scenes; a bad search is InvalidSearchRequest"


@operation("G4", "scene.quicklook.download")
def _():
    with tempfile.TemporaryDirectory() as directory:
        path = shared["scene"].quicklook.download(directory)
        return f"{os.path.getsize(path)} bytes"


@operation("O1", "BatchOrderTemplate (estimate)")
def _():
    template = up42.BatchOrderTemplate(data_product_id=ARCHIVE_PRODUCT, display_name="SDK order",
                                       features=BERLIN, params={"id": SCENE}, tags=["sdk"])
    shared["template"] = template
    return f"{template.estimate.credits} credits for {template.estimate.size} {template.estimate.unit}"


@operation("O2", "template.place")
def _():
    placed = shared["template"].place()
    shared["reference"] = placed[0]
    return f"{len(placed)} placed"


@operation("O3", "order_reference.order")
def _():
    shared["order"] = shared["reference"].order
    return shared["order"].status


@operation("O4", "Order.get")
def _():
    return up42.Order.get("00000000-0000-4000-8000-000000000000").status


@operation("O5", "Order.all")
def _():
    everything = list(up42.Order.all())
    fulfilled = list(up42.Order.all(status=["FULFILLED"], order_type="ARCHIVE", tags=["sandbox"],
                                    sort_by=up42.OrderSorting.created_at.desc))
    tasking_orders = list(up42.Order.all(sub_status=["QUOTATION_WAITING_RESPONSE"]))
    return f"{len(everything)} orders, {len(fulfilled)} fulfilled, {len(tasking_orders)} awaiting a quotation decision"


@operation("O6", "Order.update")
def _():
    budget = next(up42.Budget.all(status=["ACTIVE"]))
    updated = up42.Order.update(shared["order"].id, tags=["sdk", "updated"], budget_id=budget.id)
    cleared = up42.Order.update(shared["order"].id, budget_id=None)
    return f"tags {updated.tags}, budget {updated.budget_id} then {cleared.budget_id}"


@operation("O7", "order.cancel")
def _():
    placed = up42.BatchOrderTemplate(data_product_id=ARCHIVE_PRODUCT, display_name="to cancel",
                                     features=BERLIN, params={"id": SCENE}).place()
    order = placed[0].order
    # The SDK refuses client-side unless CREATED or PLACEMENT_FAILED; the sandbox's
    # orders start PLACED, so the SDK's own check is what is exercised here.
    try:
        return f"{order.cancel().status}"
    except up42.order.OrderCannotBeCanceled:
        return "refused client-side in status " + order.status


@operation("O8", "order.track")
def _():
    shared["order"].track(report_time=0.01)
    return shared["order"].status


@operation("T1", "Quotation.all")
def _():
    quotations = list(up42.Quotation.all(decision=["NOT_DECIDED"], sort_by=up42.QuotationSorting.created_at))
    shared["quotation"] = quotations[0]
    return f"{len(quotations)} undecided"


@operation("T2", "quotation.accept + save")
def _():
    quotation = shared["quotation"]
    quotation.accept()
    quotation.save()
    return f"{quotation.decision} at {quotation.decided_at}"


@operation("T3", "FeasibilityStudy.all")
def _():
    studies = list(up42.FeasibilityStudy.all(decision=["NOT_DECIDED"]))
    shared["study"] = studies[0]
    return f"{len(studies)} undecided, {len(studies[0].options)} options"


@operation("T4", "feasibility_study.accept + save")
def _():
    study = shared["study"]
    study.accept(study.options[0]["id"])
    study.save()
    return f"{study.decision}: {study.decision_option.description}"


@operation("T5", "OrderCoverage.get")
def _():
    coverage = tasking.OrderCoverage.get("00000000-0000-4000-8000-000000000000")
    return f"covered {coverage.covered.percentage} %"


@operation("S1", "pystac-client: collections, items, search")
def _():
    stac = shared["stac"]
    collections = list(stac.get_collections())
    items = list(collections[0].get_items())
    shared["item"] = items[0]
    found = list(stac.search(filter={"op": "=", "args": [{"property": "order_id"}, "00000000-0000-4000-8000-000000000000"]}).items())
    by_id = list(stac.get_items(items[0].id))
    return f"{len(collections)} collections, {len(items)} item(s), {len(found)} by filter, {len(by_id)} by id"


@operation("S2", "asset.file")
def _():
    asset = next(iter(shared["item"].assets.values()))
    shared["file"] = asset.file
    return shared["file"].url.split("?")[0]


@operation("S3", "image_file.download")
def _():
    with tempfile.TemporaryDirectory() as directory:
        path = shared["file"].download(directory)
        return f"{os.path.basename(path)}, {os.path.getsize(path)} bytes"


@operation("S4", "item.update")
def _():
    item = shared["item"]
    item.up42.title = "renamed"
    item.up42.tags = ["sdk"]
    item.update()
    return f"title {item.up42.title}, tags {item.up42.tags}"


@operation("S5", "item.up42 / collection.up42")
def _():
    item = shared["item"]
    return f"order {item.up42.order_id}, asset {item.up42.asset_id}"


@operation("P1", "JobTemplate validation (process, EULA, inputs)")
def _():
    template = processing_templates.DetectionShipsAirbus(title="ships", item=shared["item"])
    shared["job_template"] = template
    refused = processing_templates.DetectionCarsOI(title="cars", item=shared["item"])
    return f"valid {template.is_valid}; cars: {sorted(e.name for e in refused.errors)}"


@operation("P2", "template.cost")
def _():
    cost = shared["job_template"].cost
    return f"{cost.credits} credits ({cost.strategy})"


@operation("P3", "template.execute")
def _():
    budget = next(up42.Budget.all(status=["ACTIVE"]))
    shared["job"] = shared["job_template"].execute(budget_id=budget.id)
    return shared["job"].status.value


@operation("P4", "Job.get")
def _():
    return up42.Job.get(shared["job"].id).status.value


@operation("P5", "Job.all")
def _():
    jobs = list(up42.Job.all(page_size=2))
    done = list(up42.Job.all(status=[up42.JobStatus.SUCCESSFUL], process_id=["detection-ships-airbus", "pansharpening"],
                             sort_by=up42.JobSorting.created))
    return f"{len(jobs)} jobs, 2 a page; {len(done)} successful"


@operation("P6", "job.track")
def _():
    shared["job"].track(wait=0, retries=10)
    return shared["job"].status.value


@operation("P7", "job.collection")
def _():
    return shared["job"].collection.id


@operation("S6", "BulkDeletion.delete")
def _():
    up42.BulkDeletion(shared["item"].id).delete()
    remaining = [c.id for c in shared["stac"].get_collections()]
    return f"collection gone: {shared['item'].collection_id not in remaining}"


@operation("B1", "Budget.get")
def _():
    budget = up42.Budget.get("b0d9e700-0000-4000-8000-000000000001", include_usage=True)
    return f"{budget.name}: {budget.usage_percentage} % used"


@operation("B2", "Budget.all")
def _():
    budgets = list(up42.Budget.all(sort_by=up42.BudgetSorting.updated_at, include_usage=True))
    return f"{len(budgets)} budgets"


@operation("B3", "budget.get_usage")
def _():
    budget = up42.Budget.get("b0d9e700-0000-4000-8000-000000000001")
    return f"{budget.get_usage().consumed_credits} credits consumed"


@operation("B4", "BudgetSettings.get")
def _():
    return f"enforcement {up42.BudgetSettings.get().enforcement_enabled}"


width = max(len(name) for _, name, _, _ in results)
print(f"| # | operation | result | detail |")
print(f"|---|---|---|---|")
for code, name, outcome, detail in results:
    print(f"| {code} | `{name}` | {outcome} | {detail} |")
works = sum(1 for r in results if r[2] == "ok")
print(f"\n{works} passed, {len(results) - works} failed")
sys.exit(0 if works == len(results) else 1)
