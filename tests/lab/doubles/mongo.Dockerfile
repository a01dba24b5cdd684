# The lab's mongo double (never a default): mongo's official image cannot be had here. It keeps
# files under /data/db and answers the app's health check (`mongosh --eval ...`), which is what the
# move journey needs (the data moves with its volume); it speaks no MongoDB wire protocol, so
# nodeapp's pages that need mongo answer 503. Built by tests/lab/engine/doubles.ts (pushMongoDouble).
ARG BASE_IMAGE=microservice/debian-minbase:bookworm
FROM ${BASE_IMAGE}
COPY mongod-double.sh /usr/local/bin/mongod
COPY mongosh-double.sh /usr/local/bin/mongosh
RUN chmod 0755 /usr/local/bin/mongod /usr/local/bin/mongosh && mkdir -p /data/db
EXPOSE 27017
CMD ["mongod", "--bind_ip_all"]
