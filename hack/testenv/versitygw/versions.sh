# Pinned version of versitygw, the S3-compatible object store the artifact tests write to and read
# from (test/support/s3.ts), and where it is cached. Sourced by hack/testenv/build-versitygw.sh and
# test/support/s3.ts.
VERSITYGW_VERSION=v1.8.0

# Next to the control plane, shared by every clone on the machine: bin/versitygw.
VERSITYGW_CACHE="${TESTENV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bench-operator/testenv}/versitygw-$VERSITYGW_VERSION"
