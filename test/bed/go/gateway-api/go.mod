// Wrapper module: pins the Gateway API release whose standard CRDs the test bed installs.
// Nothing is built from it; the CRD manifests are read from the module cache.
module kulta.io/testbed/gatewayapi

go 1.26.0

require sigs.k8s.io/gateway-api v1.6.3
