// Command etcd is etcd v3.6 built from the Go module proxy: Debian's etcd is too old for a 1.36 kube-apiserver.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
