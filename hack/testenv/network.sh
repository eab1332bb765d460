# The addresses of the real node's network, sourced by cluster.sh (the API server advertises the
# bridge address and its certificate names it and the kubernetes Service's IP) and node/node.sh.
# Everything stays on this machine: pods reach the bridge and the Service range, nothing else.
REAL_NODE_NAME=real-0
REAL_NODE_BRIDGE=bench0
REAL_NODE_POD_SUBNET=10.213.0.0/24
REAL_NODE_GATEWAY=10.213.0.1 # on the bridge: the API server, the kubelet and tests' stand-ins
SERVICE_CIDR=10.96.0.0/16
KUBERNETES_SERVICE_IP=10.96.0.1 # the first address of SERVICE_CIDR
