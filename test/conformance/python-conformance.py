#!/usr/bin/python3
# Checks the test API server with Debian's python3-kubernetes: get, merge patch of the status subresource,
# 409 on a stale resourceVersion, a watch (python sends watch=True), a Secret watched by name with the
# name-restricted Role (its current version as ADDED first; another cluster's Secret refused), a 403, and the
# primary Lease through CoordinationV1Api (create, read, replace with a stale resourceVersion: 409).
# usage: python-conformance.py SERVER CA_FILE TOKEN NAMESPACE CLUSTER OTHER_SECRET
import datetime
import json
import sys

from kubernetes import client, watch
from kubernetes.client.rest import ApiException

server, ca, token, ns, cluster, other_secret = sys.argv[1:7]
conf = client.Configuration()
conf.host = server
conf.ssl_ca_cert = ca
conf.api_key = {"authorization": "Bearer " + token}
api_client = client.ApiClient(conf)
custom = client.CustomObjectsApi(api_client)
core = client.CoreV1Api(api_client)
G, V, P = "postgresql.cnpg.io", "v1", "clusters"


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


obj = custom.get_namespaced_custom_object(G, V, ns, P, cluster)
if obj["metadata"]["name"] != cluster:
    fail("get")
custom.patch_namespaced_custom_object_status(G, V, ns, P, cluster, {"status": {"phase": "python-conformance"}})
if custom.get_namespaced_custom_object(G, V, ns, P, cluster)["status"]["phase"] != "python-conformance":
    fail("status merge patch")

stale = obj["metadata"]["resourceVersion"]
try:
    custom.patch_namespaced_custom_object_status(
        G, V, ns, P, cluster, {"metadata": {"resourceVersion": stale}, "status": {"phase": "stale"}})
    fail("a stale resourceVersion must be refused")
except ApiException as e:
    if e.status != 409 or "the object has been modified" not in e.body:
        fail("409 expected, got %s %s" % (e.status, e.body))

current = custom.get_namespaced_custom_object(G, V, ns, P, cluster)["metadata"]["resourceVersion"]
custom.patch_namespaced_custom_object_status(G, V, ns, P, cluster, {"status": {"phase": "for-watch"}})
seen = []
w = watch.Watch()
for event in w.stream(custom.list_namespaced_custom_object, G, V, ns, P,
                      field_selector="metadata.name=" + cluster, resource_version=current, timeout_seconds=3):
    seen.append((event["type"], event["object"].get("status", {}).get("phase")))
    if event["type"] == "MODIFIED":
        w.stop()
if ("MODIFIED", "for-watch") not in seen:
    fail("watch from a resourceVersion: %r" % seen)

# Our app Secret by name: the Role names it, so a fieldSelector metadata.name watch is allowed.
own_secret = cluster + "-app"
seen = []
for event in w.stream(core.list_namespaced_secret, ns, field_selector="metadata.name=" + own_secret, timeout_seconds=2):
    seen.append((event["type"], event["object"].metadata.name, event["object"].metadata.resource_version))
    w.stop()
if not seen or seen[0][0] != "ADDED" or seen[0][1] != own_secret or not seen[0][2]:
    fail("watch of secret %s by name: %r" % (own_secret, seen))
try:
    for event in w.stream(core.list_namespaced_secret, ns, field_selector="metadata.name=" + other_secret, timeout_seconds=2):
        fail("watching another cluster's secret must be forbidden")
except ApiException as e:
    message = json.loads(e.body).get("message", "") if e.status == 403 else ""
    if 'cannot watch resource "secrets"' not in message:
        fail("403 expected for the watch, got %s %s" % (e.status, e.body))

try:
    core.read_namespaced_secret(other_secret, ns)
    fail("reading another cluster's secret must be forbidden")
except ApiException as e:
    message = json.loads(e.body).get("message", "") if e.status == 403 else ""
    if 'is forbidden: User "system:serviceaccount:%s:%s" cannot get resource "secrets"' % (ns, cluster) not in message:
        fail("403 expected, got %s %s" % (e.status, e.body))
# The primary Lease (kubectl's script may have created it first: then it is read and replaced).
coordination = client.CoordinationV1Api(api_client)
now = datetime.datetime.now(datetime.timezone.utc)
spec = client.V1LeaseSpec(holder_identity=cluster + "-1", lease_duration_seconds=15, renew_time=now, acquire_time=now)
try:
    coordination.create_namespaced_lease(ns, client.V1Lease(metadata=client.V1ObjectMeta(name=cluster), spec=spec))
except ApiException as e:
    if e.status != 409:
        fail("create the Lease: %s %s" % (e.status, e.body))
lease = coordination.read_namespaced_lease(cluster, ns)
stale = lease.metadata.resource_version
lease.spec.holder_identity = cluster + "-2"
lease.spec.renew_time = now + datetime.timedelta(seconds=2)
if coordination.replace_namespaced_lease(cluster, ns, lease).spec.holder_identity != cluster + "-2":
    fail("replace the Lease")
lease.metadata.resource_version = stale
lease.spec.holder_identity = cluster + "-3"
try:
    coordination.replace_namespaced_lease(cluster, ns, lease)
    fail("a stale resourceVersion must be refused for the Lease")
except ApiException as e:
    if e.status != 409:
        fail("409 expected for the Lease, got %s %s" % (e.status, e.body))
if coordination.read_namespaced_lease(cluster, ns).spec.holder_identity != cluster + "-2":
    fail("the refused replace changed the Lease")
print("python3-kubernetes conformance: ok")
