#!/usr/bin/env python3
"""Synthetic monorepo for lint-manifests benchmarks.

    bench/gen-monorepo.py N OUT_DIR [--seed S]

Writes N apps under OUT_DIR/apps/app-XXXXX/k8s/, each with an Ingress, a Service, a
BackendConfig, a Deployment and a ConfigMap holding an nginx.conf (a Socket.IO chat app
behind a GKE Ingress, the shape of examples/socketio-gke). Some apps are broken on purpose,
deterministically from the app number:

  * every 7th:   BackendConfig without timeoutSec (GKE002)
  * every 11th:  CDN enabled on the realtime backend (GKE006)
  * every 13th:  nginx location without the Upgrade headers (NGX001)
  * every 17th:  no sessionAffinity for Socket.IO (GKE004)
  * every 19th:  proxy_buffering on / HTTP/1.0 upstream (NGX004/NGX006)
  * every 23rd:  unknown GKE annotation typo (GKE005)
  * every 97th:  a syntax error in the Service file (LM001)
  * every 101st: the backend-config annotation names a missing BackendConfig

Apps share 20 team namespaces so that name lookups see collisions across namespaces.
Generated repos are benchmark inputs: write them under target/ or /tmp, never commit them.
"""
import argparse
import os
import random

INGRESS = """\
# Public entry point of {app}: a GKE external Application Load Balancer.
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {app}
  namespace: {ns}
  labels:
    app.kubernetes.io/name: {app}
    app.kubernetes.io/part-of: {team}
    app.kubernetes.io/managed-by: kustomize
  annotations:
    kubernetes.io/ingress.class: "gce"
    kubernetes.io/ingress.global-static-ip-name: {app}-ip
    networking.gke.io/managed-certificates: {app}-cert
{extra_annotation}spec:
  rules:
    - host: {app}.{team}.example.com
      http:
        paths:
          - path: /socket.io
            pathType: Prefix
            backend:
              service:
                name: {app}
                port:
                  name: http
          - path: /api
            pathType: Prefix
            backend:
              service:
                name: {app}
                port:
                  name: http
          - path: /
            pathType: Prefix
            backend:
              service:
                name: {app}
                port:
                  number: 80
"""

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: {app}
  namespace: {ns}
  labels:
    app.kubernetes.io/name: {app}
    app.kubernetes.io/part-of: {team}
  annotations:
    cloud.google.com/neg: '{{"ingress": true}}'
    cloud.google.com/backend-config: '{{"default": "{backend_config}"}}'
spec:
  type: ClusterIP
  selector:
    app: {app}
    tier: web
{affinity}  ports:
    - name: http
      port: 80
      targetPort: http
      protocol: TCP
    - name: metrics
      port: 9090
      targetPort: 9090
      protocol: TCP
{broken}"""

BACKEND_CONFIG = """\
apiVersion: cloud.google.com/v1
kind: BackendConfig
metadata:
  name: {app}
  namespace: {ns}
  labels:
    app.kubernetes.io/name: {app}
spec:
{timeout}  connectionDraining:
    drainingTimeoutSec: 60
  cdn:
    enabled: {cdn}
{affinity}  healthCheck:
    type: HTTP
    requestPath: /healthz
    port: 8080
    checkIntervalSec: 15
    timeoutSec: 5
    healthyThreshold: 1
    unhealthyThreshold: 3
  logging:
    enable: true
    sampleRate: 0.1
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {app}
  namespace: {ns}
  labels:
    app.kubernetes.io/name: {app}
    app.kubernetes.io/part-of: {team}
    app.kubernetes.io/version: "{version}"
spec:
  replicas: {replicas}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  selector:
    matchLabels:
      app: {app}
      tier: web
  template:
    metadata:
      labels:
        app: {app}
        tier: web
        app.kubernetes.io/name: {app}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "9090"
    spec:
      serviceAccountName: {app}
      terminationGracePeriodSeconds: 60
      securityContext:
        runAsNonRoot: true
        runAsUser: 101
        fsGroup: 101
      containers:
        - name: nginx
          image: nginx:1.{nginx_minor}-alpine
          ports:
            - name: http
              containerPort: 8080
          readinessProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 5
          resources:
            requests:
              cpu: 50m
              memory: 64Mi
            limits:
              memory: 128Mi
          volumeMounts:
            - name: nginx
              mountPath: /etc/nginx/nginx.conf
              subPath: nginx.conf
            - name: cache
              mountPath: /var/cache/nginx
        - name: app
          image: ghcr.io/example/{team}/{app}:{version}
          args: ["--port=3000", "--log-format=json"]
          ports:
            - containerPort: 3000
              name: app
            - containerPort: 9090
              name: metrics
          env:
            - name: NODE_ENV
              value: production
            - name: REDIS_URL
              value: redis://redis.{ns}.svc.cluster.local:6379
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
          livenessProbe:
            httpGet:
              path: /healthz
              port: 3000
            initialDelaySeconds: 10
          resources:
            requests:
              cpu: 250m
              memory: 256Mi
            limits:
              memory: 512Mi
      volumes:
        - name: nginx
          configMap:
            name: {app}-nginx
        - name: cache
          emptyDir: {{}}
"""

CONFIG_MAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {app}-nginx
  namespace: {ns}
  labels:
    app.kubernetes.io/name: {app}
data:
  nginx.conf: |
    worker_processes auto;
    events {{
        worker_connections 4096;
    }}
    http {{
        include /etc/nginx/mime.types;
        default_type application/octet-stream;
        sendfile on;
        keepalive_timeout {keepalive}s;
        log_format json escape=json '{{"time":"$time_iso8601","status":$status,"uri":"$request_uri"}}';
        access_log /dev/stdout json;

        map $http_upgrade $connection_upgrade {{
            default upgrade;
            ''      close;
        }}

        upstream {app}_app {{
            server 127.0.0.1:3000;
            keepalive 32;
        }}

        server {{
            listen 8080;
            server_name _;
            root /usr/share/nginx/html;

            location = /healthz {{
                access_log off;
                return 200 "ok";
            }}

            location / {{
                try_files $uri $uri/ /index.html;
            }}

            location /api/ {{
                proxy_pass http://{app}_app;
                proxy_http_version 1.1;
                proxy_set_header Host $host;
                proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                proxy_read_timeout 60s;
            }}

            location /socket.io/ {{
                proxy_pass http://{app}_app;
{socket_headers}                proxy_set_header Host $host;
                proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                proxy_read_timeout 3600s;
                proxy_send_timeout 3600s;
{buffering}            }}
        }}
    }}
  mime-extra.types: |
    types {{
        application/wasm wasm;
    }}
"""


def app_files(i: int, rng: random.Random):
    app = f"app-{i:05d}"
    team = f"team-{i % 20:02d}"
    ns = team
    broken = lambda n: i % n == 0
    files = {}
    files["ingress.yaml"] = INGRESS.format(
        app=app,
        ns=ns,
        team=team,
        extra_annotation=(
            "    cloud.google.com/backend-confg: '{\"default\": \"x\"}'\n" if broken(23) else ""
        ),
    )
    files["service.yaml"] = SERVICE.format(
        app=app,
        ns=ns,
        team=team,
        backend_config=f"{app}-missing" if broken(101) else app,
        affinity="" if broken(17) else "  sessionAffinity: ClientIP\n",
        broken="  - : [unclosed\n" if broken(97) else "",
    )
    files["backendconfig.yaml"] = BACKEND_CONFIG.format(
        app=app,
        ns=ns,
        timeout="" if broken(7) else "  timeoutSec: 3600\n",
        cdn="true" if broken(11) else "false",
        affinity=(
            ""
            if broken(17)
            else "  sessionAffinity:\n    affinityType: GENERATED_COOKIE\n    affinityCookieTtlSec: 3600\n"
        ),
    )
    files["deployment.yaml"] = DEPLOYMENT.format(
        app=app,
        ns=ns,
        team=team,
        version=f"{rng.randint(1, 9)}.{rng.randint(0, 40)}.{rng.randint(0, 9)}",
        replicas=rng.randint(2, 12),
        nginx_minor=rng.choice([25, 26, 27]),
    )
    files["nginx-configmap.yaml"] = CONFIG_MAP.format(
        app=app,
        ns=ns,
        keepalive=rng.choice([620, 650, 700]) if not broken(29) else 60,
        socket_headers=(
            ""
            if broken(13)
            else "                proxy_http_version 1.1;\n"
            "                proxy_set_header Upgrade $http_upgrade;\n"
            "                proxy_set_header Connection $connection_upgrade;\n"
        ),
        buffering=(
            "                proxy_buffering on;\n" if broken(19) else "                proxy_buffering off;\n"
        ),
    )
    return app, files


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int, help="number of apps")
    ap.add_argument("out", help="output directory (created; existing apps are overwritten)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    total = 0
    for i in range(args.n):
        app, files = app_files(i, rng)
        d = os.path.join(args.out, "apps", app, "k8s")
        os.makedirs(d, exist_ok=True)
        for name, text in files.items():
            data = text.encode()
            total += len(data)
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
    with open(os.path.join(args.out, "README.md"), "w") as f:
        f.write(f"Synthetic monorepo: {args.n} apps, generated by bench/gen-monorepo.py (seed {args.seed}).\n")
    print(f"{args.n} apps, {args.n * 5} files, {total} bytes in {args.out}")


if __name__ == "__main__":
    main()
