# Join tokens as GET /api/v1/turn-credentials checks them: only HS256 with
# sfu_token_secret, not expired, with every claim of the right type; any
# other token is 401 invalid-token and says why.
use Test::Nginx::Socket 'no_plan';
use Digest::SHA qw(hmac_sha256 hmac_sha512);
use JSON::PP ();
use MIME::Base64 qw(encode_base64);
use SFUTest::Services;

our $SECRET = '0123456789abcdef0123456789abcdef';

sub b64url {
    (my $s = encode_base64(shift, '')) =~ tr{+/}{-_};
    $s =~ s/=+$//;
    return $s;
}

# a JWT over the given header and claims
sub main::jwt {
    my (%o) = @_;
    my $head = b64url(JSON::PP->new->canonical->encode(
        {alg => $o{alg} // 'HS256', typ => 'JWT'}));
    my %claims = (room => 'r1', sub => 'p1', role => 'participant',
                  name => 'Ada', iat => time, exp => time + 600,
                  %{ $o{claims} || {} });
    delete @claims{ @{ $o{without} || [] } };
    my $body = b64url(JSON::PP->new->canonical->encode(\%claims));
    my $mac = ($o{alg} // 'HS256') eq 'HS512' ? \&hmac_sha512 : \&hmac_sha256;
    my $sig = ($o{alg} // '') eq 'none' ? ''
              : b64url($mac->("$head.$body", $o{key} // $SECRET));
    return "Authorization: Bearer $head.$body.$sig";
}

# a JWT over raw header and payload JSON texts, signed with the secret
sub main::raw_jwt {
    my ($head, $body, %o) = @_;
    $head = b64url($head);
    $body = b64url($body);
    my $sig = b64url(hmac_sha256("$head.$body", $SECRET));
    $sig = $o{sig}->($sig) if $o{sig};
    return "Authorization: Bearer $head.$body.$sig";
}

# claims that are valid but for what the test puts in their place
sub main::claims {
    my ($replace) = @_;
    my $exp = time + 600;
    my $json = qq({"room":"r1","sub":"p1","role":"participant","name":"Ada",)
             . qq("iat":@{[time]},"exp":$exp});
    $json =~ s/$_/$replace->{$_}/ for keys %$replace;
    return $json;
}

our $HEAD = '{"alg":"HS256","typ":"JWT"}';

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value('http_config', <<"EOC") unless defined $block->http_config;
sfu_postgres "\$TEST_NGINX_PG_CONNINFO";
sfu_token_secret $SECRET;
sfu_turn_secret turn-secret;
sfu_turn_uri turn:127.0.0.1:3478;
EOC
    $block->set_value('config', 'location /api/ { sfu_api; }')
        unless defined $block->config;
    $block->set_value('request', 'GET /api/v1/turn-credentials')
        unless defined $block->request;
});

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a valid token gets TURN credentials
--- more_headers eval
main::jwt()
--- error_code: 200
--- response_body_like chomp
"username":"\d+:p1"



=== TEST 2: alg none is refused
--- more_headers eval
main::jwt(alg => 'none')
--- error_code: 401
--- response_body
{"error":{"code":"invalid-token","message":"the join token is not valid: algorithm not allowed"}}



=== TEST 3: HS512 signed with the right secret is refused
--- more_headers eval
main::jwt(alg => 'HS512')
--- error_code: 401
--- response_body
{"error":{"code":"invalid-token","message":"the join token is not valid: algorithm not allowed"}}



=== TEST 4: HS256 signed with another secret is refused
--- more_headers eval
main::jwt(key => 'fedcba9876543210fedcba9876543210')
--- error_code: 401
--- response_body
{"error":{"code":"invalid-token","message":"the join token is not valid: invalid signature"}}



=== TEST 5: an expired token is refused
--- more_headers eval
main::jwt(claims => {iat => time - 700, exp => time - 1})
--- error_code: 401
--- response_body
{"error":{"code":"invalid-token","message":"the join token is not valid: expired"}}



=== TEST 6: exp as a string is refused
--- more_headers eval
main::jwt(claims => {exp => '' . (time + 600)})
--- error_code: 401
--- response_body
{"error":{"code":"invalid-token","message":"the join token is not valid: invalid claims"}}



=== TEST 7: a token without a room is refused
--- more_headers eval
main::jwt(without => ['room'])
--- error_code: 401
--- response_body
{"error":{"code":"invalid-token","message":"the join token is not valid: invalid claims"}}



=== TEST 8: an unknown role is refused
--- more_headers eval
main::jwt(claims => {role => 'admin'})
--- error_code: 401
--- response_body
{"error":{"code":"invalid-token","message":"the join token is not valid: invalid claims"}}



=== TEST 9: not a JWT
--- more_headers
Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30
--- error_code: 401
--- response_body
{"error":{"code":"invalid-token","message":"the join token is not valid: malformed"}}



=== TEST 10: a "crit" header (no extension is understood) is refused
--- more_headers eval
main::raw_jwt('{"alg":"HS256","crit":["exp"]}', main::claims({}))
--- error_code: 401
--- response_body
{"error":{"code":"invalid-token","message":"the join token is not valid: malformed"}}



=== TEST 11: a "typ" other than JWT is refused
--- more_headers eval
main::raw_jwt('{"alg":"HS256","typ":"JWS"}', main::claims({}))
--- error_code: 401
--- response_body
{"error":{"code":"invalid-token","message":"the join token is not valid: malformed"}}



=== TEST 12: padded base64 is not JWT's base64url
--- more_headers eval
(my $h = main::raw_jwt($::HEAD, main::claims({}))) =~ s/^(Authorization: Bearer [^.]+)/$1==/;
$h
--- error_code: 401
--- response_body
{"error":{"code":"invalid-token","message":"the join token is not valid: malformed"}}



=== TEST 13: four segments are not a JWT
--- more_headers eval
main::raw_jwt($::HEAD, main::claims({}), sig => sub { "$_[0].e30" })
--- error_code: 401
--- response_body
{"error":{"code":"invalid-token","message":"the join token is not valid: malformed"}}



=== TEST 14: a truncated signature is refused
--- more_headers eval
main::raw_jwt($::HEAD, main::claims({}), sig => sub { substr $_[0], 0, 40 })
--- error_code: 401
--- response_body
{"error":{"code":"invalid-token","message":"the join token is not valid: invalid signature"}}



=== TEST 15: a claim given twice is refused, even when signed
--- more_headers eval
main::raw_jwt($::HEAD, main::claims({'"sub":"p1"' => '"sub":"p1","sub":"p2"'}))
--- error_code: 401
--- response_body
{"error":{"code":"invalid-token","message":"the join token is not valid: malformed"}}



=== TEST 16: payload JSON that is not valid is refused, even when signed
--- more_headers eval
main::raw_jwt($::HEAD, main::claims({'}$' => ',}'}))
--- error_code: 401
--- response_body
{"error":{"code":"invalid-token","message":"the join token is not valid: malformed"}}



=== TEST 17: \u0000 in a claim is refused
--- more_headers eval
main::raw_jwt($::HEAD, main::claims({'"Ada"' => '"A\\u0000da"'}))
--- error_code: 401
--- response_body
{"error":{"code":"invalid-token","message":"the join token is not valid: malformed"}}



=== TEST 18: exp as a fraction is refused
--- more_headers eval
main::raw_jwt($::HEAD, main::claims({q{,"exp":} => q{,"exp":9999999999.5,"was_exp":}}))
--- error_code: 401
--- response_body
{"error":{"code":"invalid-token","message":"the join token is not valid: invalid claims"}}



=== TEST 19: a token without iat is refused
--- more_headers eval
main::raw_jwt($::HEAD, main::claims({'"iat":\d+,' => ''}))
--- error_code: 401
--- response_body
{"error":{"code":"invalid-token","message":"the join token is not valid: invalid claims"}}



=== TEST 20: an empty participant id is refused
--- more_headers eval
main::raw_jwt($::HEAD, main::claims({'"sub":"p1"' => '"sub":""'}))
--- error_code: 401
--- response_body
{"error":{"code":"invalid-token","message":"the join token is not valid: invalid claims"}}



=== TEST 21: escapes and members we do not read are fine
--- more_headers eval
main::raw_jwt('{ "typ" : "JWT", "kid": [1, {"a": null}], "alg":"HS\u0032\u00356" }',
              main::claims({'"sub":"p1"' => '"s\\u0075b":"p\\ud83d\\ude00",'
                                           . '"extra":{"nested":[true,false,null,-1.5e3]}'}))
--- error_code: 200
--- response_body_like chomp
"username":"\d+:p\xf0\x9f\x98\x80"
