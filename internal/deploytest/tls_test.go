package deploytest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// TestTLSBasicAuthScrape runs the tracker with an exporter-toolkit
// --web.config.file (TLS with a certificate made here for 127.0.0.1, and
// basic auth) and a real Prometheus that scrapes it with the CA and the
// password: the scrape succeeds, while a request without credentials is
// refused and a plain-HTTP request fails.
func TestTLSBasicAuthScrape(t *testing.T) {
	if testing.Short() && os.Getenv("CI") != "true" {
		t.Skip("starts a tracker and a Prometheus; skipped with -short")
	}
	promBin := requireTool(t, "prometheus")
	root := repoRoot(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	certFile, keyFile := writeSelfSignedCert(t, dir)
	const user, password = "prometheus", "s3cret-scrape"
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	webCfg := filepath.Join(dir, "web.yml")
	writeFile(t, webCfg, fmt.Sprintf("tls_server_config:\n  cert_file: %s\n  key_file: %s\nbasic_auth_users:\n  %s: %s\n", certFile, keyFile, user, hash))

	trackerBin := buildTracker(ctx, t, root, dir)
	fx := newFixtureFeeds(t)
	trackerAddr := freeAddr(t)
	trackerCfg := writeTrackerConfig(t, dir, fx.server.URL)
	tracker := startProcess(t, "tracker", dir, trackerBin, "run", "--config.file="+trackerCfg,
		"--web.listen-address="+trackerAddr, "--web.config.file="+webCfg, "--log.level=warn")

	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(readFile(t, certFile))
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	get := func(u string, auth bool) (int, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return 0, err
		}
		if auth {
			req.SetBasicAuth(user, password)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	waitFor(ctx, t, time.Minute, "tracker ready over TLS", tracker, func() (bool, string) {
		code, err := get("https://"+trackerAddr+"/-/ready", true)
		return err == nil && code == http.StatusOK, fmt.Sprintf("status %d, %v", code, err)
	})
	if code, err := get("https://"+trackerAddr+"/metrics", false); err != nil || code != http.StatusUnauthorized {
		t.Errorf("GET /metrics without credentials: status %d, %v; want 401", code, err)
	}
	if code, err := get("https://"+trackerAddr+"/metrics", true); err != nil || code != http.StatusOK {
		t.Errorf("GET /metrics with credentials: status %d, %v; want 200", code, err)
	}
	if code, _, err := httpGet(ctx, "http://"+trackerAddr+"/metrics"); err == nil && code == http.StatusOK {
		t.Errorf("plain HTTP /metrics answered 200: TLS is not enforced")
	}

	promAddr := freeAddr(t)
	passFile := filepath.Join(dir, "scrape-password")
	writeFile(t, passFile, password)
	promCfg := filepath.Join(dir, "prometheus-tls.yml")
	writeFile(t, promCfg, fmt.Sprintf(`global: {scrape_interval: 1s, scrape_timeout: 1s}
scrape_configs:
  - job_name: tracker
    scheme: https
    tls_config: {ca_file: %s}
    basic_auth: {username: %s, password_file: %s}
    static_configs: [{targets: ['%s']}]
`, certFile, user, passFile, trackerAddr))
	prom := startProcess(t, "prometheus", dir, promBin, "--config.file="+promCfg,
		"--storage.tsdb.path="+filepath.Join(dir, "tsdb-tls"), "--web.listen-address="+promAddr)
	api := promAPI{base: "http://" + promAddr}
	waitFor(ctx, t, time.Minute, "Prometheus scrapes the tracker over TLS with basic auth", prom, func() (bool, string) {
		res, err := api.query(ctx, `up{job="tracker"} == 1 and on (instance) tracker_web_info`)
		return err == nil && len(res) == 1, fmt.Sprintf("%v %v", res, err)
	})
}

// writeSelfSignedCert writes a self-signed certificate for 127.0.0.1 (its
// own CA) and its key, and returns their paths.
func writeSelfSignedCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "tracker test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	writeFile(t, certFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, keyFile, string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})))
	return certFile, keyFile
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
