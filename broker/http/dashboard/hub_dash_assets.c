/*  hub_dash_assets: the CSS and the script every page embeds, and the
    Content-Security-Policy that allows exactly them (by SHA-256). The CSS
    follows GOV.UK Design System conventions (type scale, colours, tags,
    tables, summary lists, focus styles) with the Arial/Helvetica stack:
    the GDS Transport font is for gov.uk domains only. Nothing is fetched.
*/
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "hub_dash_priv.h"

const char hub_dash_css [] =
    "*,*::before,*::after{box-sizing:border-box}"
    "html{background:#f3f2f1}"
    "body{margin:0;background:#fff;color:#0b0c0c;font-family:arial,helvetica,sans-serif;"
    "font-size:19px;line-height:1.32;-webkit-font-smoothing:antialiased}"
    "a{color:#1d70b8;text-decoration:underline;text-decoration-thickness:max(1px,.0625rem);"
    "text-underline-offset:.1578em}a:visited{color:#4c2c92}a:hover{color:#003078;"
    "text-decoration-thickness:max(3px,.1875rem)}"
    "a:focus,button:focus,summary:focus,input:focus{outline:3px solid transparent}"
    "a:focus,summary:focus{color:#0b0c0c;background:#fd0;box-shadow:0 -2px #fd0,0 4px #0b0c0c;"
    "text-decoration:none}"
    ".hub-skip-link{position:absolute;left:-9999px;padding:10px 15px;font-size:16px}"
    ".hub-skip-link:focus{position:static;display:block}"
    ".hub-header{background:#0b0c0c;color:#fff;border-bottom:10px solid #1d70b8}"
    ".hub-header__inner{display:flex;flex-wrap:wrap;align-items:center;gap:6px 30px;padding:12px 0}"
    ".hub-header__name,.hub-header__name:visited{color:#fff;font-weight:700;font-size:24px;"
    "text-decoration:none}"
    ".hub-header__service{font-weight:400;font-size:19px;margin-left:8px}"
    ".hub-header__viewer{margin:0 0 0 auto;font-size:16px;color:#fff}"
    ".hub-header .hub-secondary{color:#f3f2f1}"
    ".hub-nav{list-style:none;margin:0;padding:0;display:flex;gap:20px}"
    ".hub-nav__link,.hub-nav__link:visited{color:#fff;font-weight:700;font-size:16px}"
    ".hub-nav__link[aria-current]{text-decoration-thickness:3px}"
    ".hub-header a:focus{color:#0b0c0c}"
    ".hub-width{max-width:1100px;margin:0 15px}"
    "@media(min-width:1130px){.hub-width{margin:0 auto}}"
    ".hub-main{padding:30px 0 50px;display:block}"
    ".hub-footer{background:#f3f2f1;border-top:1px solid #b1b4b6;padding:25px 0;font-size:16px;color:#0b0c0c}"
    ".hub-heading-xl{font-size:40px;line-height:1.1;font-weight:700;margin:0 0 30px}"
    ".hub-heading-l{font-size:29px;line-height:1.1;font-weight:700;margin:45px 0 20px}"
    ".hub-heading-m{font-size:24px;line-height:1.25;font-weight:700;margin:30px 0 15px}"
    ".hub-heading-s{font-size:19px;font-weight:700;margin:25px 0 10px}"
    ".hub-caption-l{display:block;font-size:24px;color:#505a5f;margin-bottom:5px}"
    ".hub-body{margin:0 0 20px}"
    ".hub-secondary{color:#505a5f;font-size:16px}"
    ".hub-id{font-family:\"liberation mono\",\"dejavu sans mono\",monospace;font-size:.9em;"
    "overflow-wrap:anywhere}"
    ".hub-back-link{display:inline-block;font-size:16px;margin-bottom:15px;padding-left:14px;"
    "position:relative}"
    ".hub-back-link::before{content:\"\";position:absolute;left:3px;top:.45em;width:7px;height:7px;"
    "border:solid currentColor;border-width:1px 0 0 1px;transform:rotate(-45deg)}"
    ".hub-visually-hidden{position:absolute!important;width:1px!important;height:1px!important;"
    "margin:0!important;padding:0!important;overflow:hidden!important;clip:rect(0 0 0 0)!important;"
    "clip-path:inset(50%)!important;border:0!important;white-space:nowrap!important}"
    ".hub-tag{display:inline-block;padding:2px 8px 3px;font-size:16px;font-weight:400;line-height:1.25;"
    "color:#0c2d4a;background:#bbd4ea;overflow-wrap:break-word}"
    ".hub-tag--analyse,.hub-tag--blue{color:#0c2d4a;background:#bbd4ea}"
    ".hub-tag--light-blue{color:#0c2d4a;background:#d2e2f1}"
    ".hub-tag--plan,.hub-tag--purple{color:#491644;background:#efdfed}"
    ".hub-tag--do,.hub-tag--green{color:#005a30;background:#cce2d8}"
    ".hub-tag--review,.hub-tag--orange{color:#6e3619;background:#fcd6c3}"
    ".hub-tag--closed,.hub-tag--grey,.hub-tag--unspecified{color:#282d30;background:#e5e6e7}"
    ".hub-tag--yellow{color:#594d00;background:#fff7bf}"
    ".hub-tag--red{color:#2a0b06;background:#f4cdc6}"
    ".hub-table{width:100%;border-spacing:0;border-collapse:collapse;margin-bottom:30px;font-size:16px}"
    ".hub-table__caption{text-align:left;font-weight:700;font-size:19px;margin-bottom:10px}"
    ".hub-table__header,.hub-table__cell{padding:10px 20px 10px 0;border-bottom:1px solid #b1b4b6;"
    "text-align:left;vertical-align:top}"
    ".hub-table__header{font-weight:700}"
    "th.hub-table__cell{font-weight:400}th.hub-table__cell>a{font-weight:700}"
    ".hub-table__cell--numeric{text-align:right;font-variant-numeric:tabular-nums}"
    ".hub-list{list-style:none;margin:0;padding:0}"
    ".hub-list--bullet{list-style:disc;padding-left:20px}"
    ".hub-list>li{margin-bottom:5px}"
    ".hub-summary{margin:0 0 30px;font-size:19px}"
    ".hub-summary__row{border-bottom:1px solid #b1b4b6}"
    "@media(min-width:641px){.hub-summary{display:table;width:100%;table-layout:fixed}"
    ".hub-summary__row{display:table-row}.hub-summary__key,.hub-summary__value{display:table-cell;"
    "padding:10px 20px 10px 0}.hub-summary__key{width:30%}}"
    ".hub-summary__key{margin:0;font-weight:700;padding-top:10px}"
    ".hub-summary__value{margin:0;padding-bottom:10px}"
    ".hub-live{border-left:5px solid #505a5f;padding:5px 0 5px 12px;font-size:16px;margin:0 0 25px}"
    ".hub-live--on{border-color:#00703c}.hub-live--off{border-color:#d4351c}"
    ".hub-timeline,.hub-kpi__chart{display:block;width:100%;height:auto;max-width:960px;margin-bottom:10px}"
    ".hub-kpi__chart{max-width:640px}"
    ".hub-svg-small{font-size:13px;fill:#0b0c0c}.hub-svg-strong{font-size:14px;font-weight:700;fill:#0b0c0c}"
    ".hub-svg-value{font-size:14px;font-weight:700;fill:#0b0c0c}.hub-svg-now{fill:#d4351c;font-weight:700}"
    ".hub-details{margin-bottom:30px;font-size:16px}"
    ".hub-details__summary{color:#1d70b8;cursor:pointer;text-decoration:underline;display:inline-block}"
    ".hub-path{list-style:none;margin:0 0 30px;padding:0;display:flex;flex-wrap:wrap;gap:10px;"
    "counter-reset:step}"
    ".hub-step{flex:1 1 140px;border-top:5px solid #b1b4b6;padding:8px 8px 8px 0;font-size:16px;"
    "min-width:140px}"
    ".hub-step--done{border-color:#00703c}.hub-step--current{border-color:#1d70b8}"
    ".hub-step--skipped{border-top-style:dashed}"
    ".hub-step__name{display:block;font-weight:700;font-size:19px}"
    ".hub-step__status{display:block;color:#505a5f;margin-bottom:4px}"
    ".hub-step--done .hub-step__status{color:#005a30}.hub-step--current .hub-step__status{color:#1d70b8;"
    "font-weight:700}"
    ".hub-step__detail{display:block}"
    ".hub-procurement,.hub-contract{border-top:1px solid #b1b4b6;margin-top:20px}"
    ".hub-kpi__legend{margin:0 0 20px}"
    ".hub-events{list-style:none;margin:0 0 30px;padding:0}"
    ".hub-event{border-bottom:1px solid #b1b4b6;padding:10px 0;font-size:16px}"
    ".hub-event__type{font-weight:700}.hub-event time{color:#505a5f;margin-left:6px}"
    ".hub-event--new{background:#fff7bf}"
    ".hub-meter{display:block;max-width:300px;height:10px;background:#cce2d8;margin-top:6px}"
    ".hub-meter__used{display:block;height:10px;background:#00703c}"
    ".hub-meter__used--0{width:0}.hub-meter__used--10{width:10%}.hub-meter__used--20{width:20%}"
    ".hub-meter__used--30{width:30%}.hub-meter__used--40{width:40%}.hub-meter__used--50{width:50%}"
    ".hub-meter__used--60{width:60%}.hub-meter__used--70{width:70%}.hub-meter__used--80{width:80%}"
    ".hub-meter__used--90{width:90%}.hub-meter__used--100{width:100%}"
    ".hub-form-group{margin-bottom:30px}"
    ".hub-form-group--error{border-left:5px solid #d4351c;padding-left:15px}"
    ".hub-label{display:block;font-weight:700;margin-bottom:5px}"
    ".hub-hint{color:#505a5f;margin-bottom:15px}"
    ".hub-error-message{color:#d4351c;font-weight:700;margin:0 0 15px}"
    ".hub-input{font:inherit;width:100%;max-width:30em;height:40px;padding:5px;border:2px solid #0b0c0c;"
    "border-radius:0}"
    ".hub-input--error{border-color:#d4351c}"
    ".hub-input:focus{outline:3px solid #fd0;outline-offset:0;box-shadow:inset 0 0 0 2px}"
    ".hub-button{font:inherit;font-size:19px;line-height:1.19;color:#fff;background:#00703c;border:2px solid "
    "transparent;border-radius:0;box-shadow:0 2px 0 #002d18;padding:8px 10px 7px;cursor:pointer}"
    ".hub-button:hover{background:#005a30}"
    ".hub-button:focus{color:#0b0c0c;background:#fd0;box-shadow:0 2px 0 #0b0c0c;outline:3px solid transparent}"
    ".hub-error-summary{border:5px solid #d4351c;padding:20px;margin-bottom:30px}"
    ".hub-error-summary:focus{outline:3px solid #fd0;outline-offset:0}"
    ".hub-error-summary__title{font-size:24px;margin:0 0 15px}"
    ".hub-error-summary a{color:#d4351c;font-weight:700}"
    "code{font-family:\"liberation mono\",monospace;font-size:.9em}"
    "@media print{.hub-header,.hub-live,.hub-footer{display:none}}";

//  Live updates: listens for each message type the page lists (the stream
//  names events by type), adds each new event of this page's commission to
//  the top of the latest events and says so in the status line. Builds
//  nodes with textContent only: nothing from the stream is parsed as HTML.
const char hub_dash_script [] =
    "(function(){'use strict';"
    "var live=document.getElementById('hub-live');"
    "if(!live||!window.EventSource)return;"
    "var commission=live.getAttribute('data-commission');"
    "var types=(live.getAttribute('data-types')||'').split(' ');"
    "var list=document.getElementById('hub-events');var seen=0;"
    "var source=new EventSource(live.getAttribute('data-events'));"
    "live.textContent='Connecting to live updates\\u2026';"
    "source.onopen=function(){live.className='hub-live hub-live--on';"
    "live.textContent='Live: new events appear here as they happen.';};"
    "source.onerror=function(){live.className='hub-live hub-live--off';"
    "live.textContent='Live updates paused; trying again. Reload the page to see the latest.';};"
    "function day(d){return d.toLocaleDateString('en-GB',{day:'numeric',month:'long',year:'numeric',"
    "timeZone:'Europe/London'});}"
    "function onEvent(e){var ev;try{ev=JSON.parse(e.data);}catch(x){return;}"
    "var env=ev.envelope||{};if(commission&&env.commissionId!==commission)return;"
    "var type=ev.type||e.type;var when=ev.recordedAt?new Date(ev.recordedAt):new Date();seen++;"
    "live.textContent='Live: '+seen+' new event'+(seen===1?'':'s')+' since this page loaded; the latest, '"
    "+type+', at '+when.toLocaleTimeString('en-GB',{timeZone:'Europe/London'})+'.';"
    "if(!list)return;var none=list.querySelector('.hub-event--none');if(none)list.removeChild(none);"
    "var li=document.createElement('li');li.className='hub-event hub-event--new';"
    "li.setAttribute('data-seq',ev.seq||e.lastEventId);li.setAttribute('data-type',type);"
    "var t=document.createElement('span');t.className='hub-event__type';t.textContent=type;"
    "var tm=document.createElement('time');tm.dateTime=ev.recordedAt||'';tm.textContent=day(when);"
    "li.appendChild(t);li.appendChild(document.createTextNode(' '));li.appendChild(tm);"
    "li.appendChild(document.createElement('br'));"
    "li.appendChild(document.createTextNode('Event '+(ev.seq||e.lastEventId)+' from '+(ev.sender||'unknown')));"
    "list.insertBefore(li,list.firstChild);while(list.children.length>50)list.removeChild(list.lastChild);}"
    "for(var i=0;i<types.length;i++)if(types[i])source.addEventListener(types[i],onEvent);"
    "source.addEventListener('message',onEvent);})();";

static void
s_hash (const char *text, char *out, size_t size)
{
    unsigned char digest [crypto_hash_sha256_BYTES];
    crypto_hash_sha256 (digest, (const unsigned char *) text, strlen (text));
    sodium_bin2base64 (out, size, digest, sizeof digest, sodium_base64_VARIANT_ORIGINAL);
}

int
hub_dash_csp (char *buf, size_t size)
{
    char css [sodium_base64_ENCODED_LEN (crypto_hash_sha256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    char js [sizeof css];
    s_hash (hub_dash_css, css, sizeof css);
    s_hash (hub_dash_script, js, sizeof js);
    int n = snprintf (buf, size, "default-src 'none'; style-src 'sha256-%s'; script-src 'sha256-%s'; "
                      "img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
                      "frame-ancestors 'none'", css, js);
    return n < 0 || (size_t) n >= size? -1: n;
}
