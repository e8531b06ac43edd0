package lptest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/lpedge/lpedge/internal/jsonv"
	"github.com/lpedge/lpedge/liveperson/connector"
	"github.com/lpedge/lpedge/liveperson/monitoring"
)

// Services are the Domain API service names lptest serves, all on its own
// host. Names are case sensitive, as LivePerson's are.
var Services = []string{monitoring.ServiceName, connector.ServiceMessaging, connector.ServiceSentinel, connector.ServiceIDP}

// DomainVersion is the version query parameter the Domain API takes.
const DomainVersion = "1.0"

// domain answers GET /api/account/{account}/service/{service}/baseURI.json
// with {"service","account","baseURI"}.
func (s *Server) domain(r *http.Request, _ []byte) answer {
	account, service := r.PathValue("account"), r.PathValue("service")
	if a, ok := s.checkDomain(r, account); !ok {
		return a
	}
	if !slices.Contains(Services, service) {
		return plain(http.StatusNotFound, "lptest serves no service "+strconv.Quote(service)+" (it serves "+strings.Join(Services, ", ")+"; names are case sensitive)")
	}
	return newAnswer(http.StatusOK, "application/json", s.appendBaseURI(nil, r, account, service))
}

// domains answers GET /api/account/{account}/service/baseURI.json with
// {"baseURIs":[...]}.
func (s *Server) domains(r *http.Request, _ []byte) answer {
	account := r.PathValue("account")
	if a, ok := s.checkDomain(r, account); !ok {
		return a
	}
	b := []byte(`{"baseURIs":[`)
	for i, service := range Services {
		if i > 0 {
			b = append(b, ',')
		}
		b = s.appendBaseURI(b, r, account, service)
	}
	return newAnswer(http.StatusOK, "application/json", append(b, "]}"...))
}

// checkDomain applies the Domain API's documented refusals: 400 for the
// query, 401 for an unknown account ("invalid site").
func (s *Server) checkDomain(r *http.Request, account string) (answer, bool) {
	switch {
	case r.Method != http.MethodGet:
		return plain(http.StatusMethodNotAllowed, "the Domain API takes GET, not "+r.Method), false
	case r.URL.Query().Get("version") != DomainVersion:
		return plain(http.StatusBadRequest, "version must be "+DomainVersion+", got "+strconv.Quote(r.URL.Query().Get("version"))), false
	case s.cfg.accounts[account] == nil:
		return plain(http.StatusUnauthorized, "invalid site: account "+strconv.Quote(account)+" is not configured in lptest"), false
	}
	return answer{}, true
}

func (s *Server) appendBaseURI(b []byte, r *http.Request, account, service string) []byte {
	host := s.host
	if host == "" {
		host = r.Host // served through Handler by someone else's listener
	}
	b = append(b, `{"service":`...)
	b = jsonv.AppendString(b, service)
	b = append(b, `,"account":`...)
	b = jsonv.AppendString(b, account)
	b = append(b, `,"baseURI":`...)
	b = jsonv.AppendString(b, host)
	return append(b, '}')
}
