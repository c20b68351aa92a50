// HTTPS connections: the connection template over beast::ssl_stream<beast::tcp_stream>.
#include "http/connection.h"

namespace deconflict::http::internal {

void StartTlsConnection(const std::shared_ptr<ServerCore>& core, asio::ip::tcp::socket socket) {
  StartConnection(
      core, beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *core->tls));
}

}  // namespace deconflict::http::internal
