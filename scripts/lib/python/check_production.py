"""Checks the rendered production overlay and its Strimzi example against the code (run by
scripts/lib/bin/check-deploy with the venv's Python, which has PyYAML):

  python check_production.py EVENT_TOPICS DEAD_LETTER_SUFFIX production.yaml strimzi.yaml

- the Strimzi KafkaTopics are exactly the code's topics (each event topic, EventTopic's cases, and
  its dead-letter topic), the event topics with the partitions the services are told to expect
  (KAFKA_TOPIC_PARTITIONS) and every topic with their KAFKA_TOPIC_REPLICATION_FACTOR;
- every service with data (every API Deployment but web) checks rather than creates its topics,
  reaches PostgreSQL with sslmode=verify-full and a CA, and Kafka with TLS and SASL/SCRAM;
- every KafkaUser that a service logs in as exists.
"""

import sys

import yaml


def main(event_topics, suffix, production_file, strimzi_file):
    problems = []
    production = [o for o in yaml.safe_load_all(open(production_file)) if o]
    strimzi = [o for o in yaml.safe_load_all(open(strimzi_file)) if o]

    services = [
        o for o in production
        if o["kind"] == "Deployment"
        and o["metadata"]["labels"].get("app.kubernetes.io/component") == "api"
        and o["metadata"]["name"] != "web"
    ]
    settings = {}
    for deployment in services:
        name = deployment["metadata"]["name"]
        env = {e["name"]: e for e in deployment["spec"]["template"]["spec"]["containers"][0].get("env", [])}
        expected = {
            "KAFKA_CREATE_TOPICS": "false",
            "DATABASE_SSLMODE": "verify-full",
            "KAFKA_SECURITY_PROTOCOL": "sasl_ssl",
            "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        }
        for variable, value in expected.items():
            if env.get(variable, {}).get("value") != value:
                problems.append(f"{name}: {variable} should be {value}")
        for variable in ["DATABASE_SSL_ROOT_CERT", "KAFKA_SSL_CA_LOCATION", "KAFKA_SASL_PASSWORD_FILE", "KAFKA_SASL_USERNAME"]:
            if variable not in env:
                problems.append(f"{name}: {variable} is not set")
        for variable in ["KAFKA_TOPIC_PARTITIONS", "KAFKA_TOPIC_REPLICATION_FACTOR"]:
            settings.setdefault(variable, set()).add(env.get(variable, {}).get("value"))
    if not services:
        problems.append("the production overlay has no API services")
    for variable, values in settings.items():
        if len(values) != 1 or None in values:
            problems.append(f"{variable} should be set, and the same for every service: {sorted(map(str, values))}")
    partitions = int(next(iter(settings.get("KAFKA_TOPIC_PARTITIONS", {None}))) or 0)
    replicas = int(next(iter(settings.get("KAFKA_TOPIC_REPLICATION_FACTOR", {None}))) or 0)

    declared = {}
    for topic in (o for o in strimzi if o["kind"] == "KafkaTopic"):
        spec = topic["spec"]
        declared[spec.get("topicName", topic["metadata"]["name"])] = (spec.get("partitions"), spec.get("replicas"))
    needed = {name: partitions for name in event_topics} | {name + suffix: 1 for name in event_topics}
    for name in sorted(set(needed) - set(declared)):
        problems.append(f"strimzi/topics.yaml lacks the topic {name}, which the services need")
    for name in sorted(set(declared) - set(needed)):
        problems.append(f"strimzi/topics.yaml declares {name}, which no service uses")
    for name in sorted(set(needed) & set(declared)):
        count, copies = declared[name]
        least = needed[name]
        if name in event_topics and count != least:
            problems.append(f"{name}: {count} partitions in strimzi/topics.yaml, the services expect {least} (KAFKA_TOPIC_PARTITIONS)")
        elif count is None or count < least:
            problems.append(f"{name}: {count} partitions in strimzi/topics.yaml, at least {least} needed")
        if copies != replicas:
            problems.append(f"{name}: {copies} replicas in strimzi/topics.yaml, KAFKA_TOPIC_REPLICATION_FACTOR is {replicas}")

    users = {o["metadata"]["name"] for o in strimzi if o["kind"] == "KafkaUser"}
    for deployment in services:
        if f"inkwell-{deployment['metadata']['name']}" not in users:
            problems.append(f"strimzi/users.yaml has no KafkaUser inkwell-{deployment['metadata']['name']}")

    for problem in problems:
        print(problem)
    if not problems:
        print(
            f"production: {len(services)} services check their {len(declared)} topics (as strimzi/ declares them: "
            f"{partitions} partitions, {replicas} replicas), reach PostgreSQL with verify-full and Kafka with SASL/SCRAM over TLS"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1].split(), sys.argv[2], sys.argv[3], sys.argv[4]))
