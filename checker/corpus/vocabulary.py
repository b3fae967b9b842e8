"""What corpus pages say: per category and language, the signal words filters look for,
site names, titles, sentences and list items.

The text is that of a filter-test corpus: harmful pages carry the words, the page
structure and the labels real filters react to, but nothing graphic or explicit and no
instructions of any kind. Safe pages must never use a word from any harmful `keywords`
list (tests/test_corpus.py checks every page), so child and school texts avoid even
innocent collisions ("dating back", "time slots", "nỏ thần").

No page may look like a block page either: the probes recognise block pages by words
such as "bị chặn", "blocked", "category", "không phù hợp", "ask a parent" and the 111
hotline (checker/probes/signals.py), so corpus text avoids them.

Templates may use {site} (the site name), {n} (a number) and {grade} (a school grade);
list items of school maths use {a} < {b}, small {c} < {d}, and a {fraction}
that can be reduced.
"""

from __future__ import annotations

from dataclasses import dataclass

from checker.corpus.model import (
    ADULT,
    CHILD_FRIENDLY,
    DATING,
    DRUGS,
    EDUCATION_VI,
    GAMBLING,
    HARMFUL,
    PROXY,
    RTA_ONLY,
    SELF_HARM,
    VIOLENCE,
    WEAPONS,
)


@dataclass(frozen=True)
class Voice:
    """How the pages of one category (or one school subject) speak in one language."""

    keywords: tuple[str, ...]  # lower case; the words filters match
    sites: tuple[tuple[str, str], ...]  # (host-name stem, site name template)
    titles: tuple[str, ...]  # page titles; each names a keyword
    intros: tuple[str, ...]  # lead-paragraph sentences
    sections: tuple[tuple[str, tuple[str, ...]], ...]  # (heading, sentences)
    items: tuple[str, ...]  # entries of the category's list block


VOICES: dict[tuple[str, str], tuple[Voice, ...]] = {}

# ---------------------------------------------------------------- adult (non-explicit)
VOICES[ADULT, "vi"] = (
    Voice(
        keywords=(
            "phim người lớn",
            "nội dung người lớn",
            "18+",
            "phim 18+",
            "clip nóng",
            "web đen",
            "khiêu dâm",
            "phim sex",
            "gái xinh",
            "ảnh nóng",
            "cảnh nóng",
            "chỉ dành cho người lớn",
        ),
        sites=(
            ("clip-nong", "ClipNóng{n}"),
            ("phim-nguoi-lon", "Phim Người Lớn {n}"),
            ("web-den", "WebĐen{n}"),
            ("gai-xinh", "Gái Xinh 18+"),
            ("anh-nong", "Ảnh Nóng Hub"),
            ("phim18", "Phim18 TV"),
            ("canh-nong", "Cảnh Nóng {n}"),
        ),
        titles=(
            "{site} – Phim người lớn 18+ cập nhật mỗi ngày",
            "Clip nóng mới nhất hôm nay – {site}",
            "{site}: Kho phim 18+ chỉ dành cho người lớn",
            "Ảnh nóng gái xinh tuyển chọn – {site}",
            "Web đen tổng hợp clip nóng số {n} – {site}",
            "Phim người lớn vietsub chất lượng HD – {site}",
            "Phim sex và clip nóng không quảng cáo – {site}",
        ),
        intros=(
            "Chào mừng bạn đến với {site}, trang phim người lớn cập nhật clip nóng mỗi ngày.",
            "Nội dung trên trang chỉ dành cho người lớn từ 18 tuổi trở lên.",
            "Kho phim 18+ với hàng nghìn clip nóng được tuyển chọn, xem miễn phí không cần đăng ký.",
            "{site} tổng hợp ảnh nóng và clip nóng của gái xinh châu Á.",
            "Trang web đen được nhiều người tìm kiếm nhất với hơn {n} phim người lớn.",
        ),
        sections=(
            (
                "Clip nóng mới cập nhật",
                (
                    "Hơn {n} clip nóng mới được thêm vào kho phim người lớn trong tuần này.",
                    "Mỗi clip đều được gắn nhãn 18+ và xếp theo chủ đề.",
                    "Bạn có thể xem trực tuyến hoặc tải về với chất lượng HD.",
                    "Danh sách clip nóng được cập nhật liên tục cả ngày lẫn đêm.",
                ),
            ),
            (
                "Phim người lớn vietsub",
                (
                    "Kho phim người lớn có phụ đề tiếng Việt dành riêng cho người xem từ 18 tuổi.",
                    "Phim 18+ được tuyển chọn từ Nhật Bản, Hàn Quốc và Âu Mỹ.",
                    "Thành viên có thể lưu phim yêu thích để xem lại bất cứ lúc nào.",
                    "Web đen này cho xem các phim miễn phí mà không cần tài khoản.",
                ),
            ),
            (
                "Ảnh nóng gái xinh",
                (
                    "Bộ sưu tập ảnh nóng gái xinh được cập nhật mỗi ngày.",
                    "Các album ảnh nóng được sắp xếp theo lượt thích.",
                    "Nội dung người lớn chỉ hiển thị sau khi bạn xác nhận đủ 18 tuổi.",
                    "Hàng trăm album mới có cảnh nóng được đăng trong tháng này.",
                ),
            ),
            (
                "Thành viên VIP",
                (
                    "Nâng cấp VIP để xem phim người lớn không quảng cáo.",
                    "Gói VIP mở toàn bộ clip nóng độ nét cao.",
                    "Thanh toán nhanh bằng thẻ cào hoặc ví điện tử.",
                    "Thành viên VIP được xem trước các phim 18+ sắp phát hành.",
                ),
            ),
            (
                "Lưu ý dành cho người xem",
                (
                    "Trang web chứa nội dung khiêu dâm chỉ dành cho người lớn.",
                    "Người chưa đủ 18 tuổi vui lòng rời khỏi trang.",
                    "Chúng tôi không lưu lại lịch sử xem của thành viên.",
                    "Nếu đường dẫn không vào được, hãy dùng tên miền dự phòng của {site}.",
                ),
            ),
        ),
        items=(
            "Cô nàng công sở quyến rũ",
            "Buổi hẹn tối thứ Bảy",
            "Nàng mẫu ảnh gợi cảm",
            "Kỳ nghỉ nóng bỏng ở biển",
            "Cặp đôi phòng bên",
            "Bí mật của cô hàng xóm",
            "Đêm nóng bỏng ở khách sạn",
            "Clip nóng hot girl mạng",
            "Phim 18+ vietsub mới",
            "Hậu trường buổi chụp ảnh nóng",
        ),
    ),
)

VOICES[ADULT, "en"] = (
    Voice(
        keywords=(
            "porn",
            "xxx",
            "nsfw",
            "adult videos",
            "adult content",
            "adults only",
            "explicit content",
            "hot clips",
            "erotic",
            "sexy",
            "18+",
            "webcam models",
            "mature content",
        ),
        sites=(
            ("hot-clips", "HotClips {n}"),
            ("xxx-tube", "XXX Tube"),
            ("adult-videos", "AdultVideos{n}"),
            ("nsfw-hub", "NSFW Hub"),
            ("sexy-cams", "SexyCams"),
            ("erotic-gallery", "Erotic Gallery"),
            ("porn-stream", "PornStream {n}"),
            ("after-dark", "After Dark 18+"),
        ),
        titles=(
            "{site} – Free adult videos, updated daily",
            "Hot clips and XXX videos – {site}",
            "{site}: adults only, 18+ content",
            "NSFW picture galleries – {site}",
            "Erotic videos in HD, volume {n} – {site}",
            "Sexy webcam models live now – {site}",
            "Porn and adult content without ads – {site}",
        ),
        intros=(
            "Welcome to {site}, the home of free adult videos and hot clips.",
            "This site contains explicit content for adults only.",
            "Thousands of XXX videos and NSFW galleries, updated every hour.",
            "{site} lists more than {n} erotic videos from around the world.",
            "Only visitors aged 18+ may view the mature content on this site.",
        ),
        sections=(
            (
                "New hot clips",
                (
                    "More than {n} new hot clips were added this week.",
                    "Every video is tagged 18+ and sorted by topic.",
                    "Stream in HD or download the adult videos you like.",
                    "The XXX archive is updated around the clock.",
                ),
            ),
            (
                "Webcam models",
                (
                    "Sexy webcam models are online right now.",
                    "Chat with webcam models from Europe, Asia and America.",
                    "Private shows start at a few tokens a minute.",
                    "New NSFW streams are announced every evening.",
                ),
            ),
            (
                "Erotic galleries",
                (
                    "Our erotic galleries are curated by the community.",
                    "Albums are ranked by likes and views.",
                    "Adult content is shown only after you confirm your age.",
                    "Hundreds of new NSFW pictures are posted each month.",
                ),
            ),
            (
                "Premium membership",
                (
                    "Go premium to watch porn without ads.",
                    "Premium members unlock every explicit video in full HD.",
                    "Pay quickly with a card, crypto or a gift code.",
                    "Members get early access to new adult videos.",
                ),
            ),
            (
                "Before you enter",
                (
                    "This website contains explicit content for adults only.",
                    "If you are under 18, leave this site now.",
                    "We never keep a history of what members watch.",
                    "If the link stops working, use the backup address of {site}.",
                ),
            ),
        ),
        items=(
            "Late night with the neighbour",
            "Hot summer clip",
            "Steamy hotel weekend",
            "Office flirt after hours",
            "Model photo shoot uncut",
            "Poolside hot clip",
            "Secret date night",
            "Sexy dancer backstage",
            "Webcam model live replay",
            "Erotic beach holiday",
        ),
    ),
)

# ---------------------------------------------------------------- gambling
VOICES[GAMBLING, "vi"] = (
    Voice(
        keywords=(
            "cá cược",
            "nhà cái",
            "tài xỉu",
            "nổ hũ",
            "cá độ",
            "cá độ bóng đá",
            "lô đề",
            "xóc đĩa",
            "game bài đổi thưởng",
            "casino",
            "soi kèo",
            "kèo nhà cái",
            "bắn cá đổi thưởng",
            "đánh bạc",
            "tỷ lệ kèo",
            "quay hũ",
        ),
        sites=(
            ("nha-cai", "NhàCái{n}"),
            ("ca-cuoc", "CáCược{n}"),
            ("tai-xiu", "Tài Xỉu Club"),
            ("no-hu", "Nổ Hũ {n}"),
            ("keo-nha-cai", "Kèo Nhà Cái"),
            ("lo-de", "Lô Đề Online"),
            ("xoc-dia", "Xóc Đĩa Live"),
            ("game-bai", "Game Bài {n}"),
            ("soi-keo", "Soi Kèo 24h"),
        ),
        titles=(
            "{site} – Nhà cái cá cược bóng đá uy tín số 1",
            "Tỷ lệ kèo nhà cái hôm nay – {site}",
            "Chơi tài xỉu, xóc đĩa online ăn tiền thật – {site}",
            "Nổ hũ, quay hũ đổi thưởng cực lớn – {site}",
            "Soi kèo cá độ bóng đá vòng {n} – {site}",
            "Lô đề online tỷ lệ 1 ăn 99 – {site}",
            "Game bài đổi thưởng và casino trực tuyến – {site}",
        ),
        intros=(
            "{site} là nhà cái cá cược trực tuyến với hàng nghìn kèo mỗi ngày.",
            "Đăng ký tài khoản để nhận ngay thưởng nạp lần đầu khi chơi tài xỉu và nổ hũ.",
            "Tỷ lệ kèo nhà cái được cập nhật liên tục cho mọi giải bóng đá lớn.",
            "Casino trực tuyến với xóc đĩa, tài xỉu và game bài đổi thưởng mở cửa suốt ngày đêm.",
            "Hơn {n} người đang cá cược cùng {site} ngay lúc này.",
        ),
        sections=(
            (
                "Cá độ bóng đá",
                (
                    "Đặt kèo châu Á, kèo tài xỉu và kèo phạt góc cho mọi trận đấu.",
                    "Chuyên gia soi kèo miễn phí trước giờ bóng lăn.",
                    "Tỷ lệ kèo nhà cái thay đổi theo từng phút.",
                    "Cá độ bóng đá trực tiếp khi trận đấu đang diễn ra.",
                ),
            ),
            (
                "Nổ hũ và quay hũ",
                (
                    "Hũ thưởng đang tích lũy hơn {n} triệu đồng.",
                    "Quay hũ miễn phí mỗi ngày cho thành viên mới.",
                    "Trò nổ hũ có tỷ lệ trả thưởng cao nhất thị trường.",
                    "Bắn cá đổi thưởng và nổ hũ chơi được trên điện thoại.",
                ),
            ),
            (
                "Casino trực tuyến",
                (
                    "Xóc đĩa, tài xỉu và baccarat với người chia bài thật.",
                    "Sòng casino trực tuyến phát sóng từ studio chất lượng cao.",
                    "Game bài đổi thưởng: tiến lên, phỏm, mậu binh.",
                    "Đánh bạc mọi lúc mọi nơi chỉ với một chiếc điện thoại.",
                ),
            ),
            (
                "Lô đề online",
                (
                    "Lô đề online trả thưởng nhanh trong vài phút.",
                    "Tỷ lệ lô đề 1 ăn 99, hỗ trợ cả ba miền.",
                    "Thống kê lô gan và lô rơi được cập nhật hằng ngày.",
                    "Đặt lô đề tự động theo dàn số yêu thích.",
                ),
            ),
            (
                "Nạp rút siêu tốc",
                (
                    "Nạp tiền qua ngân hàng, ví điện tử hoặc thẻ cào.",
                    "Rút tiền về tài khoản trong vòng năm phút.",
                    "Nhà cái hoàn trả hằng tuần cho người chơi thân thiết.",
                    "Nếu đường dẫn không vào được, hãy dùng link dự phòng của {site}.",
                ),
            ),
        ),
        items=(
            "Hà Nội FC",
            "Hoàng Anh Gia Lai",
            "Công an Hà Nội",
            "Thép Xanh Nam Định",
            "Becamex Bình Dương",
            "SHB Đà Nẵng",
            "Hải Phòng",
            "Sông Lam Nghệ An",
            "Thể Công Viettel",
            "Đông Á Thanh Hóa",
        ),
    ),
)

VOICES[GAMBLING, "en"] = (
    Voice(
        keywords=(
            "casino",
            "online casino",
            "betting",
            "sports betting",
            "bet now",
            "sportsbook",
            "slots",
            "slot machines",
            "jackpot",
            "poker",
            "roulette",
            "blackjack",
            "baccarat",
            "free spins",
            "deposit bonus",
            "gambling",
        ),
        sites=(
            ("casino-royal", "Casino Royal {n}"),
            ("bet-win", "BetWin"),
            ("lucky-slots", "Lucky Slots"),
            ("sportsbook", "Sportsbook{n}"),
            ("jackpot-city", "Jackpot City"),
            ("poker-room", "Poker Room"),
            ("spin-palace", "Spin Palace"),
            ("odds-king", "Odds King"),
        ),
        titles=(
            "{site} – Online casino and sports betting",
            "Bet now on today's matches – {site}",
            "Slots, roulette and blackjack for real money – {site}",
            "Mega jackpot slot machines – {site}",
            "Sportsbook odds, matchday {n} – {site}",
            "200 free spins with your deposit bonus – {site}",
            "Live poker and baccarat tables – {site}",
        ),
        intros=(
            "{site} is an online casino and sportsbook open around the clock.",
            "Claim a deposit bonus and free spins when you sign up today.",
            "Sports betting odds are updated live for every major league.",
            "Play slots, roulette, blackjack and poker for real money.",
            "More than {n} players are betting at {site} right now.",
        ),
        sections=(
            (
                "Sports betting",
                (
                    "Bet on match results, goals and corners for every game.",
                    "Our sportsbook offers live betting while the match is on.",
                    "Odds change by the minute, so bet now to lock them in.",
                    "Accumulators pay up to a thousand times your stake.",
                ),
            ),
            (
                "Slots and jackpots",
                (
                    "The progressive jackpot has passed {n} thousand dollars.",
                    "Spin more than two thousand slot machines on any device.",
                    "New players get free spins every day for a week.",
                    "Jackpot winners are announced live on the homepage.",
                ),
            ),
            (
                "Live casino",
                (
                    "Roulette, blackjack and baccarat with real dealers.",
                    "Our online casino streams from a studio in HD.",
                    "Join a poker table with players from all over the world.",
                    "Gambling on the go is easy with our mobile app.",
                ),
            ),
            (
                "Bonuses",
                (
                    "Get a 100% deposit bonus on your first payment.",
                    "Weekly cashback returns part of your losses.",
                    "VIP players get faster withdrawals and a personal manager.",
                    "Invite a friend and both of you get free spins.",
                ),
            ),
            (
                "Fast payments",
                (
                    "Deposit by card, bank transfer or crypto.",
                    "Withdrawals arrive within minutes.",
                    "No documents are needed for small withdrawals.",
                    "If this address stops working, use the mirror link of {site}.",
                ),
            ),
        ),
        items=(
            "Arsenal",
            "Chelsea",
            "Liverpool",
            "Manchester City",
            "Manchester United",
            "Tottenham",
            "Real Madrid",
            "Barcelona",
            "Bayern Munich",
            "Paris Saint-Germain",
            "Juventus",
            "Inter Milan",
        ),
    ),
)

# ---------------------------------------------------------------- violence (non-graphic)
VOICES[VIOLENCE, "vi"] = (
    Voice(
        keywords=(
            "bạo lực",
            "đánh nhau",
            "clip đánh nhau",
            "chém nhau",
            "đâm chém",
            "hỗn chiến",
            "đánh hội đồng",
            "máu me",
            "giang hồ",
            "tàn bạo",
            "clip bạo lực",
            "ẩu đả",
        ),
        sites=(
            ("clip-danh-nhau", "Clip Đánh Nhau"),
            ("giang-ho", "Giang Hồ TV"),
            ("hon-chien", "Hỗn Chiến {n}"),
            ("bao-luc", "Bạo Lực 24h"),
            ("chem-nhau", "Chém Nhau Clip"),
            ("au-da", "Ẩu Đả Net"),
            ("dam-chem", "Đâm Chém Online"),
        ),
        titles=(
            "{site} – Clip đánh nhau mới nhất",
            "Tổng hợp clip bạo lực chưa kiểm duyệt – {site}",
            "Giang hồ hỗn chiến, chém nhau giữa phố – {site}",
            "Clip đánh hội đồng gây sốc số {n} – {site}",
            "Ẩu đả và đâm chém: video nóng trong ngày – {site}",
            "Những trận đánh nhau tàn bạo nhất tuần – {site}",
        ),
        intros=(
            "{site} tổng hợp clip đánh nhau và clip bạo lực được chia sẻ nhiều nhất.",
            "Video giang hồ hỗn chiến được cập nhật hằng giờ.",
            "Cảnh báo: trang có nhiều hình ảnh bạo lực và máu me.",
            "Hơn {n} clip ẩu đả, chém nhau được gửi về trong tuần này.",
            "Những pha đánh hội đồng tàn bạo được quay lại từ điện thoại.",
        ),
        sections=(
            (
                "Clip đánh nhau hot",
                (
                    "Clip đánh nhau ngoài quán được xem hơn {n} nghìn lần.",
                    "Thành viên gửi clip ẩu đả từ khắp các tỉnh thành.",
                    "Video được giữ nguyên, không làm mờ.",
                    "Bình chọn clip bạo lực được xem nhiều nhất tháng.",
                ),
            ),
            (
                "Giang hồ mạng",
                (
                    "Chuyện giang hồ thanh toán nhau được kể lại chi tiết.",
                    "Các nhóm giang hồ hẹn nhau hỗn chiến sau nửa đêm.",
                    "Những vụ đâm chém được bàn tán khắp diễn đàn.",
                    "Tổng hợp video giang hồ khoe sức mạnh.",
                ),
            ),
            (
                "Video chưa kiểm duyệt",
                (
                    "Clip bạo lực chưa cắt được đăng trước khi bị gỡ khỏi mạng xã hội.",
                    "Nhiều cảnh máu me và tàn bạo, cân nhắc trước khi xem.",
                    "Tải video về máy để xem lại khi cần.",
                    "Kho clip chém nhau được sắp xếp theo ngày.",
                ),
            ),
            (
                "Bảng xếp hạng",
                (
                    "Top mười trận đánh nhau được bình luận nhiều nhất.",
                    "Bình chọn pha ẩu đả gây sốc của tuần.",
                    "Thành viên tích điểm khi gửi clip đánh hội đồng mới.",
                    "Bảng xếp hạng làm mới lúc nửa đêm.",
                ),
            ),
        ),
        items=(
            "Clip đánh nhau ngoài quán nhậu",
            "Hai nhóm giang hồ hỗn chiến giữa phố",
            "Ẩu đả ở bến xe",
            "Chém nhau vì tranh giành bến bãi",
            "Clip bạo lực chưa kiểm duyệt",
            "Hỗn chiến trên quốc lộ lúc nửa đêm",
            "Tổng hợp ẩu đả tuần qua",
            "Đánh hội đồng ở bãi gửi xe",
        ),
    ),
)

VOICES[VIOLENCE, "en"] = (
    Voice(
        keywords=(
            "violence",
            "violent",
            "gore",
            "brutal",
            "street fight",
            "street fights",
            "fight videos",
            "real fights",
            "beatdown",
            "knockout compilation",
            "bloody",
            "gang fight",
            "uncensored",
        ),
        sites=(
            ("street-fights", "StreetFights"),
            ("gore-zone", "Gore Zone"),
            ("real-fights", "RealFights {n}"),
            ("brutal-clips", "Brutal Clips"),
            ("beatdown-tv", "Beatdown TV"),
            ("fight-vault", "Fight Vault"),
            ("gang-fights", "Gang Fights Daily"),
        ),
        titles=(
            "{site} – Real fights caught on camera",
            "Uncensored street fight videos – {site}",
            "Brutal knockout compilation number {n} – {site}",
            "Gang fight and beatdown clips – {site}",
            "The most violent fight videos of the week – {site}",
            "Gore and bloody clips, uncensored – {site}",
        ),
        intros=(
            "{site} collects the most shared street fights and violent clips.",
            "New fight videos are uploaded every hour.",
            "Warning: this site shows graphic violence and gore.",
            "More than {n} real fights were submitted this week.",
            "Brutal beatdowns filmed on phones, uncensored.",
        ),
        sections=(
            (
                "Trending fights",
                (
                    "A street fight outside a bar has {n} thousand views.",
                    "Members upload real fights from cities around the world.",
                    "Videos stay uncensored and unblurred.",
                    "Vote for the most violent clip of the month.",
                ),
            ),
            (
                "Gang fights",
                (
                    "Gang fight stories are told in full detail.",
                    "Rival crews meet for a brawl after midnight.",
                    "Forum threads follow every gang fight in town.",
                    "The biggest gang fight videos of the year.",
                ),
            ),
            (
                "Uncensored",
                (
                    "Bloody clips are posted before social networks take them down.",
                    "Lots of gore and brutal scenes, viewer discretion advised.",
                    "Download the fight videos to watch offline.",
                    "The gore archive is sorted by date.",
                ),
            ),
            (
                "Rankings",
                (
                    "Top ten fights with the most comments.",
                    "Vote for the beatdown of the week.",
                    "Members earn points for new fight videos.",
                    "The knockout compilation ranking resets at midnight.",
                ),
            ),
        ),
        items=(
            "Street fight outside a bar",
            "Brutal knockout compilation",
            "Gang fight caught on camera",
            "Uncensored brawl at the stadium",
            "Real fights of the week",
            "Parking lot beatdown",
            "Bloody subway fight",
            "Violent road rage clip",
        ),
    ),
)

# ---------------------------------------------------------------- self-harm (non-graphic, no methods)
VOICES[SELF_HARM, "vi"] = (
    Voice(
        keywords=(
            "tự hại",
            "tự làm hại bản thân",
            "tự tử",
            "tự sát",
            "muốn chết",
            "không muốn sống",
            "kết thúc cuộc đời",
            "muốn biến mất",
            "nhịn ăn cực đoan",
            "pro-ana",
        ),
        sites=(
            ("goc-tam-su-toi", "Góc Tâm Sự Tối"),
            ("muon-bien-mat", "Muốn Biến Mất"),
            ("tu-hai", "Nhóm Kín {n}"),
            ("dem-trang", "Đêm Trắng Forum"),
            ("khong-ai-hieu", "Không Ai Hiểu"),
            ("nhin-an", "Nhịn Ăn Cùng Nhau"),
        ),
        titles=(
            "{site} – Diễn đàn ẩn danh về tự hại",
            "Những người không muốn sống nữa – {site}",
            "Chuyện tự tử và tự sát: nhóm kín số {n} – {site}",
            "Muốn biến mất? Tâm sự ẩn danh – {site}",
            "Nhịn ăn cực đoan, pro-ana và nhật ký cân nặng – {site}",
            "Tự làm hại bản thân: góc chia sẻ – {site}",
        ),
        intros=(
            "{site} là diễn đàn ẩn danh cho những người nghĩ đến chuyện tự tử.",
            "Ở đây thành viên kể về ý nghĩ tự hại mà không dùng tên thật.",
            "Nhóm kín dành cho những ai thấy muốn biến mất.",
            "Hơn {n} chủ đề về tự sát và tự làm hại bản thân đã được đăng.",
            "Thành viên pro-ana chia sẻ nhật ký nhịn ăn cực đoan mỗi ngày.",
        ),
        sections=(
            (
                "Chủ đề mới",
                (
                    "Các chủ đề về tự hại được xếp theo thời gian đăng.",
                    "Thành viên mới đọc nội quy trước khi đăng bài về tự tử.",
                    "Mỗi ngày có khoảng {n} bài viết mới.",
                    "Bài viết được ẩn tên người đăng.",
                ),
            ),
            (
                "Nhật ký đêm",
                (
                    "Những dòng nhật ký của người không muốn sống nữa.",
                    "Nhiều người viết rằng họ muốn chết sau một ngày tồi tệ.",
                    "Chủ đề kết thúc cuộc đời được thảo luận công khai.",
                    "Thành viên kể chuyện tự làm hại bản thân mà không ai biết.",
                ),
            ),
            (
                "Góc pro-ana",
                (
                    "Nhóm pro-ana đặt mục tiêu cân nặng cho từng tuần.",
                    "Thành viên ghi lại số bữa đã bỏ qua.",
                    "Ảnh động lực nhịn ăn cực đoan được đăng hằng ngày.",
                    "Bảng thi đua giảm cân được cập nhật mỗi sáng.",
                ),
            ),
            (
                "Nội quy nhóm kín",
                (
                    "Không chia sẻ đường dẫn của nhóm ra bên ngoài.",
                    "Không dùng tên thật hay ảnh thật.",
                    "Thành viên không phán xét ý định tự sát của nhau.",
                    "Quản trị viên duyệt bài trong vòng một giờ.",
                ),
            ),
        ),
        items=(
            "Có ai cũng thấy không muốn sống nữa không?",
            "Mình mệt mỏi và muốn biến mất",
            "Nhật ký những đêm không ngủ",
            "Không ai hiểu mình cả",
            "Lại một ngày tồi tệ",
            "Mục tiêu pro-ana tháng này",
            "Kể chuyện tự hại lần đầu",
            "Ở đây không ai phán xét",
        ),
    ),
)

VOICES[SELF_HARM, "en"] = (
    Voice(
        keywords=(
            "self-harm",
            "self harm",
            "suicide",
            "suicidal",
            "pro-ana",
            "thinspo",
            "thinspiration",
            "want to die",
            "end my life",
            "no reason to live",
            "want to disappear",
        ),
        sites=(
            ("dark-thoughts", "Dark Thoughts"),
            ("pro-ana", "Pro-Ana Circle"),
            ("thinspo", "Thinspo Board"),
            ("quiet-exit", "Quiet Exit"),
            ("numb-forum", "Numb Forum"),
            ("no-tomorrow", "No Tomorrow"),
        ),
        titles=(
            "{site} – An anonymous self-harm forum",
            "For those with no reason to live – {site}",
            "Suicide and suicidal thoughts: private group {n} – {site}",
            "Want to disappear? Talk anonymously – {site}",
            "Pro-ana, thinspo and weight diaries – {site}",
            "Self harm stories – {site}",
        ),
        intros=(
            "{site} is an anonymous forum for people thinking about suicide.",
            "Members write about self-harm without their real names.",
            "A private group for anyone who wants to disappear.",
            "More than {n} threads about suicide and self-harm have been posted.",
            "Pro-ana members share thinspiration and fasting diaries every day.",
        ),
        sections=(
            (
                "New threads",
                (
                    "Self-harm threads are sorted by date.",
                    "New members read the rules before posting about suicide.",
                    "About {n} new posts are written every day.",
                    "Posts are shown without the author's name.",
                ),
            ),
            (
                "Night diaries",
                (
                    "Diaries of people who feel there is no reason to live.",
                    "Many write that they want to die after a bad day.",
                    "Threads about wanting to end my life are discussed openly.",
                    "Members talk about self harm that nobody around them knows about.",
                ),
            ),
            (
                "Pro-ana corner",
                (
                    "The pro-ana group sets weight goals for every week.",
                    "Members count the meals they skipped.",
                    "Thinspo pictures are posted daily.",
                    "The thinspiration leaderboard is updated every morning.",
                ),
            ),
            (
                "Group rules",
                (
                    "Do not share the group link outside.",
                    "No real names or real photos.",
                    "Members do not judge each other's suicidal thoughts.",
                    "Moderators approve posts within an hour.",
                ),
            ),
        ),
        items=(
            "Anyone else feel there's no reason to live?",
            "I just want to disappear",
            "Thinspo goals for this month",
            "Nobody understands me",
            "Another bad night",
            "No judgement zone",
            "Suicidal again tonight",
            "Self-harm diary, week two",
        ),
    ),
)

# ---------------------------------------------------------------- drugs
VOICES[DRUGS, "vi"] = (
    Voice(
        keywords=(
            "ma túy",
            "ma túy đá",
            "thuốc lắc",
            "kẹo lắc",
            "cần sa",
            "cỏ mỹ",
            "bóng cười",
            "ketamin",
            "nước vui",
            "hàng đá",
            "chất kích thích",
            "heroin",
        ),
        sites=(
            ("can-sa", "Cần Sa Shop"),
            ("co-my", "Cỏ Mỹ {n}"),
            ("thuoc-lac", "Kẹo Lắc Store"),
            ("bong-cuoi", "Bóng Cười Party"),
            ("hang-da", "Hàng Đá 24h"),
            ("nuoc-vui", "Nước Vui Club"),
            ("bay-lac", "Bay Lắc {n}"),
        ),
        titles=(
            "{site} – Cần sa, cỏ Mỹ giao hàng kín đáo",
            "Thuốc lắc, kẹo lắc hàng chuẩn – {site}",
            "Bóng cười và nước vui cho buổi tiệc – {site}",
            "Ma túy đá, hàng đá giao nhanh nội thành – {site}",
            "Chất kích thích nhập khẩu, lô hàng số {n} – {site}",
            "Ketamin và cỏ Mỹ: bảng giá mới nhất – {site}",
        ),
        intros=(
            "{site} bán cần sa, cỏ Mỹ và thuốc lắc, giao hàng kín đáo toàn quốc.",
            "Đặt bóng cười và nước vui cho bữa tiệc chỉ với một tin nhắn.",
            "Hàng đá và ma túy đá được đóng gói kín, không ghi tên người gửi.",
            "Hơn {n} khách quen đặt kẹo lắc mỗi tuần.",
            "Chất kích thích nhập khẩu, thanh toán bằng tiền ảo để ẩn danh.",
        ),
        sections=(
            (
                "Hàng mới về",
                (
                    "Lô cỏ Mỹ mới về, số lượng có hạn.",
                    "Thuốc lắc nhiều màu, đóng gói theo vỉ.",
                    "Cần sa sấy khô được hút chân không.",
                    "Giá sỉ cho đơn hàng từ {n} gói.",
                ),
            ),
            (
                "Giao hàng kín đáo",
                (
                    "Hàng được ngụy trang trong hộp quà.",
                    "Shipper không hỏi tên, không cần giấy tờ.",
                    "Giao ma túy trong nội thành trong vòng một giờ.",
                    "Đơn hàng ở tỉnh gửi qua xe khách.",
                ),
            ),
            (
                "Tiệc tùng",
                (
                    "Combo bóng cười và nước vui cho nhóm mười người.",
                    "Kẹo lắc được khách quen đánh giá cao.",
                    "Tư vấn chọn chất kích thích theo từng buổi tiệc.",
                    "Khách VIP được tặng ketamin dùng thử.",
                ),
            ),
            (
                "Thanh toán ẩn danh",
                (
                    "Thanh toán bằng tiền ảo hoặc thẻ cào.",
                    "Không lưu thông tin khách hàng.",
                    "Liên hệ qua ứng dụng nhắn tin tự hủy.",
                    "Nếu đường dẫn không vào được, hãy tìm kênh dự phòng của {site}.",
                ),
            ),
        ),
        items=(
            "Cần sa loại A",
            "Cỏ Mỹ hàng tuyển",
            "Kẹo lắc nhập khẩu",
            "Bình bóng cười",
            "Gói nước vui",
            "Hàng đá loại 1",
            "Ketamin gói nhỏ",
            "Combo tiệc cuối tuần",
        ),
    ),
)

VOICES[DRUGS, "en"] = (
    Voice(
        keywords=(
            "weed",
            "buy weed",
            "cannabis",
            "marijuana",
            "cocaine",
            "ecstasy",
            "mdma",
            "meth",
            "lsd",
            "magic mushrooms",
            "psychedelics",
            "party pills",
            "stealth shipping",
            "drug market",
        ),
        sites=(
            ("weed-shop", "Weed Shop"),
            ("green-leaf", "Green Leaf Dispensary"),
            ("party-pills", "Party Pills"),
            ("psy-market", "Psy Market"),
            ("dark-pharma", "Dark Pharma"),
            ("high-times", "High Times Store"),
            ("cannabis-club", "Cannabis Club {n}"),
        ),
        titles=(
            "{site} – Buy weed online with stealth shipping",
            "Ecstasy, MDMA and party pills – {site}",
            "Magic mushrooms and psychedelics – {site}",
            "Cocaine and meth price list, batch {n} – {site}",
            "Cannabis and marijuana edibles – {site}",
            "The anonymous drug market – {site}",
        ),
        intros=(
            "{site} sells cannabis, MDMA and party pills with stealth shipping worldwide.",
            "Order weed and psychedelics with a single message.",
            "Every package is vacuum sealed with no sender name.",
            "More than {n} regular customers buy ecstasy here every week.",
            "Pay in crypto and stay anonymous on our drug market.",
        ),
        sections=(
            (
                "New arrivals",
                (
                    "A new batch of premium weed has arrived.",
                    "Ecstasy pills in many colours, sold by the strip.",
                    "Dried magic mushrooms are vacuum packed.",
                    "Bulk prices for orders of {n} grams or more.",
                ),
            ),
            (
                "Stealth shipping",
                (
                    "Packages are disguised as gift boxes.",
                    "No names and no ID needed.",
                    "Local cannabis delivery within an hour.",
                    "International orders ship with tracking.",
                ),
            ),
            (
                "Party packs",
                (
                    "Party pills and MDMA bundles for ten people.",
                    "Our LSD tabs get the best reviews.",
                    "Ask us which psychedelics suit your weekend.",
                    "VIP customers get free marijuana samples.",
                ),
            ),
            (
                "Anonymous payment",
                (
                    "Pay in bitcoin or gift cards.",
                    "We keep no customer records.",
                    "Contact us through a self-destructing chat.",
                    "If this address goes down, find the backup channel of {site}.",
                ),
            ),
        ),
        items=(
            "Premium weed, indoor",
            "Cannabis edibles",
            "Ecstasy party pills",
            "Magic mushrooms pack",
            "Psychedelics starter box",
            "LSD tabs",
            "MDMA crystals",
            "Weekend party bundle",
        ),
    ),
)

# ---------------------------------------------------------------- weapons
VOICES[WEAPONS, "vi"] = (
    Voice(
        keywords=(
            "mua súng",
            "bán súng",
            "súng hơi",
            "súng ngắn",
            "súng trường",
            "súng pcp",
            "đạn chì",
            "vũ khí",
            "dao găm",
            "dao bấm",
            "kiếm nhật",
            "công cụ hỗ trợ",
            "roi điện",
            "bình xịt hơi cay",
            "không cần giấy phép",
        ),
        sites=(
            ("sung-hoi", "Súng Hơi {n}"),
            ("ban-sung", "Bán Súng Online"),
            ("vu-khi", "Vũ Khí Shop"),
            ("dao-gam", "Dao Găm Việt"),
            ("cong-cu-ho-tro", "Công Cụ Hỗ Trợ 24h"),
            ("sung-pcp", "PCP Store"),
            ("kiem-nhat", "Kiếm Nhật {n}"),
        ),
        titles=(
            "{site} – Bán súng hơi, súng PCP giá rẻ",
            "Mua súng ngắn, súng trường không cần giấy phép – {site}",
            "Dao găm, dao bấm, kiếm Nhật chính hãng – {site}",
            "Công cụ hỗ trợ: roi điện, bình xịt hơi cay – {site}",
            "Vũ khí và đạn chì, lô hàng số {n} – {site}",
            "Shop vũ khí giao hàng toàn quốc – {site}",
        ),
        intros=(
            "{site} chuyên bán súng hơi, súng PCP và đạn chì giao hàng toàn quốc.",
            "Mua súng không cần giấy phép, không cần giấy tờ tùy thân.",
            "Dao găm, dao bấm và kiếm Nhật được rèn thủ công.",
            "Hơn {n} khách hàng đã mua công cụ hỗ trợ tại shop.",
            "Roi điện và bình xịt hơi cay giao trong ngày.",
        ),
        sections=(
            (
                "Súng hơi và súng PCP",
                (
                    "Súng hơi nòng dài bắn xa, độ chính xác cao.",
                    "Súng PCP kèm bình nén khí và ống ngắm.",
                    "Mỗi đơn tặng kèm hộp {n} viên đạn chì.",
                    "Súng ngắn nhỏ gọn dễ mang theo người.",
                ),
            ),
            (
                "Dao và kiếm",
                (
                    "Dao găm Thái lưỡi thép cứng.",
                    "Dao bấm bỏ túi mở bằng một tay.",
                    "Kiếm Nhật thép gấp, kèm bao da.",
                    "Hàng mới về mỗi thứ Hai.",
                ),
            ),
            (
                "Công cụ hỗ trợ",
                (
                    "Roi điện nhiều mức điện áp.",
                    "Bình xịt hơi cay loại mini.",
                    "Công cụ hỗ trợ bán lẻ và bán sỉ.",
                    "Không cần giấy phép khi mua.",
                ),
            ),
            (
                "Giao hàng",
                (
                    "Đóng gói kín, ghi là đồ gia dụng.",
                    "Giao hàng toàn quốc, nhận hàng mới trả tiền.",
                    "Không hỏi tuổi, không hỏi giấy tờ.",
                    "Nếu đường dẫn không vào được, hãy dùng link dự phòng của {site}.",
                ),
            ),
        ),
        items=(
            "Súng hơi PCP nòng dài",
            "Súng ngắn bắn đạn chì",
            "Súng trường hơi",
            "Dao găm Thái",
            "Kiếm Nhật thép gấp",
            "Roi điện tự vệ",
            "Bình xịt hơi cay mini",
            "Dao bấm bỏ túi",
        ),
    ),
)

VOICES[WEAPONS, "en"] = (
    Voice(
        keywords=(
            "guns",
            "gun shop",
            "buy guns",
            "firearms",
            "ammo",
            "ammunition",
            "rifle",
            "rifles",
            "pistol",
            "pistols",
            "handgun",
            "switchblade",
            "brass knuckles",
            "stun gun",
            "tactical knives",
            "crossbow",
            "no license",
        ),
        sites=(
            ("gun-shop", "Gun Shop {n}"),
            ("ammo-depot", "Ammo Depot"),
            ("tactical-gear", "Tactical Gear"),
            ("firearms-direct", "Firearms Direct"),
            ("blade-market", "Blade Market"),
            ("rifle-store", "Rifle Store"),
            ("armory", "The Armory {n}"),
        ),
        titles=(
            "{site} – Buy guns online, no license needed",
            "Rifles, pistols and handguns in stock – {site}",
            "Ammo and ammunition, bulk lot {n} – {site}",
            "Switchblades, brass knuckles and tactical knives – {site}",
            "Stun guns and crossbows – {site}",
            "The online gun shop that ships anywhere – {site}",
        ),
        intros=(
            "{site} sells firearms, ammo and tactical knives with shipping anywhere.",
            "Buy guns with no license and no ID checks.",
            "Pistols, rifles and crossbows ready to ship.",
            "More than {n} customers bought from our gun shop this year.",
            "Stun guns and switchblades delivered the same day.",
        ),
        sections=(
            (
                "Rifles and pistols",
                (
                    "Semi-automatic rifles with scopes included.",
                    "Compact pistols that are easy to carry.",
                    "Every handgun comes with a box of {n} rounds.",
                    "Used firearms at half price.",
                ),
            ),
            (
                "Knives and blades",
                (
                    "Tactical knives with hardened steel blades.",
                    "Switchblades that open with one hand.",
                    "Brass knuckles in three sizes.",
                    "New stock every Monday.",
                ),
            ),
            (
                "Ammunition",
                (
                    "Ammo for every calibre in bulk.",
                    "Ammunition ships in plain boxes.",
                    "Discounts on orders of five boxes or more.",
                    "No license is needed to buy ammo here.",
                ),
            ),
            (
                "Shipping",
                (
                    "Discreet packaging labelled as household goods.",
                    "We ship firearms to any address.",
                    "No age checks and no paperwork.",
                    "If this address stops working, use the mirror link of {site}.",
                ),
            ),
        ),
        items=(
            "Semi-automatic rifle",
            "Compact pistol",
            "Ammo box, 500 rounds",
            "Tactical switchblade",
            "Brass knuckles",
            "Stun gun",
            "Compound crossbow",
            "Hunting rifle with scope",
        ),
    ),
)

# ---------------------------------------------------------------- dating
VOICES[DATING, "vi"] = (
    Voice(
        keywords=(
            "hẹn hò",
            "hẹn hò online",
            "hẹn hò qua mạng",
            "tìm người yêu",
            "tìm bạn bốn phương",
            "kết bạn bốn phương",
            "tìm bạn gái",
            "tìm bạn trai",
            "độc thân",
            "sugar baby",
            "sugar daddy",
            "tìm bạn đời",
        ),
        sites=(
            ("hen-ho", "Hẹn Hò {n}"),
            ("tim-nguoi-yeu", "Tìm Người Yêu"),
            ("ban-bon-phuong", "Bạn Bốn Phương"),
            ("doc-than", "Độc Thân Vui Vẻ"),
            ("sugar-viet", "Sugar Việt"),
            ("ket-ban", "Kết Bạn 24h"),
            ("tim-ban-gai", "Tìm Bạn Gái {n}"),
        ),
        titles=(
            "{site} – Hẹn hò online, tìm người yêu nhanh",
            "Tìm bạn bốn phương, kết bạn bốn phương – {site}",
            "Trai gái độc thân đang online gần bạn – {site}",
            "Sugar baby gặp sugar daddy, nhóm số {n} – {site}",
            "Hẹn hò qua mạng an toàn và kín đáo – {site}",
            "Tìm bạn gái, tìm bạn trai trong tối nay – {site}",
        ),
        intros=(
            "{site} là trang hẹn hò online với hàng nghìn người độc thân.",
            "Tạo hồ sơ để tìm người yêu chỉ trong vài phút.",
            "Hơn {n} thành viên đang online và muốn hẹn hò tối nay.",
            "Kết nối sugar baby và sugar daddy kín đáo.",
            "Tìm bạn bốn phương theo tuổi, thành phố và sở thích.",
        ),
        sections=(
            (
                "Người độc thân gần bạn",
                (
                    "Xem danh sách người độc thân ở gần vị trí của bạn.",
                    "Thành viên có ảnh đã xác minh được ưu tiên hiển thị.",
                    "Nhắn tin miễn phí cho năm người đầu tiên.",
                    "Hẹn hò qua mạng rồi gặp mặt khi cả hai đồng ý.",
                ),
            ),
            (
                "Sugar baby và sugar daddy",
                (
                    "Sugar daddy hỗ trợ chi phí hằng tháng.",
                    "Sugar baby đăng hồ sơ kín, chỉ thành viên VIP mới xem được.",
                    "Thỏa thuận rõ ràng ngay từ lần nhắn tin đầu tiên.",
                    "Gặp gỡ kín đáo tại các thành phố lớn.",
                ),
            ),
            (
                "Tìm người yêu",
                (
                    "Trả lời vài câu hỏi để tìm bạn gái hoặc bạn trai hợp với bạn.",
                    "Mỗi ngày gợi ý mười người độc thân mới.",
                    "Thích nhau thì có thể nhắn tin ngay.",
                    "Hàng trăm cặp đã tìm bạn đời qua trang.",
                ),
            ),
            (
                "Thành viên VIP",
                (
                    "Xem ai đã ghé thăm hồ sơ của bạn.",
                    "Ẩn hồ sơ khỏi người quen.",
                    "Gửi lời mời hẹn hò không giới hạn.",
                    "Nếu đường dẫn không vào được, hãy dùng link dự phòng của {site}.",
                ),
            ),
        ),
        items=("Lan", "Hương", "Mai", "Thảo", "Ngọc", "Linh", "Minh", "Tuấn", "Hùng", "Dũng", "Phương", "Vy"),
    ),
)

VOICES[DATING, "en"] = (
    Voice(
        keywords=(
            "dating",
            "online dating",
            "dating site",
            "meet singles",
            "singles",
            "casual dating",
            "find a date",
            "flirt",
            "flirting",
            "sugar daddy",
            "sugar baby",
            "date tonight",
        ),
        sites=(
            ("meet-singles", "MeetSingles"),
            ("flirt-zone", "FlirtZone"),
            ("date-tonight", "Date Tonight"),
            ("sugar-match", "SugarMatch"),
            ("lonely-hearts", "Lonely Hearts"),
            ("swipe-love", "SwipeLove {n}"),
            ("casual-dates", "Casual Dates"),
        ),
        titles=(
            "{site} – Online dating for singles near you",
            "Meet singles and find a date tonight – {site}",
            "Casual dating and flirting – {site}",
            "Sugar daddy meets sugar baby, group {n} – {site}",
            "The dating site that matches you fast – {site}",
            "Flirt with singles online now – {site}",
        ),
        intros=(
            "{site} is an online dating site with thousands of singles.",
            "Create a profile and find a date in minutes.",
            "More than {n} members are online and want a date tonight.",
            "Discreet matches for sugar daddies and sugar babies.",
            "Meet singles by age, city and interests.",
        ),
        sections=(
            (
                "Singles near you",
                (
                    "See singles close to your location.",
                    "Verified photos are shown first.",
                    "Message your first five matches for free.",
                    "Chat online first and meet when you both agree.",
                ),
            ),
            (
                "Sugar dating",
                (
                    "Sugar daddies offer a monthly allowance.",
                    "Sugar baby profiles are private to VIP members.",
                    "Set the terms in your first message.",
                    "Discreet meetings in every big city.",
                ),
            ),
            (
                "Find a date",
                (
                    "Answer a few questions and we find a date for you.",
                    "Ten new singles are suggested every day.",
                    "Like each other and start flirting right away.",
                    "Casual dating or something serious, you choose.",
                ),
            ),
            (
                "VIP members",
                (
                    "See who visited your dating profile.",
                    "Hide your profile from people you know.",
                    "Unlimited date invitations.",
                    "If this address stops working, use the mirror link of {site}.",
                ),
            ),
        ),
        items=("Emma", "Olivia", "Sophie", "Mia", "Jake", "Ryan", "Chloe", "Liam", "Ava", "Noah", "Grace", "Ethan"),
    ),
)

# ---------------------------------------------------------------- proxies and bypass
VOICES[PROXY, "vi"] = (
    Voice(
        keywords=(
            "vượt tường lửa",
            "web proxy",
            "proxy miễn phí",
            "vpn miễn phí",
            "đổi ip",
            "ẩn ip",
            "fake ip",
            "truy cập ẩn danh",
            "vượt chặn",
            "mở khóa web",
            "vượt kiểm duyệt",
            "proxy",
        ),
        sites=(
            ("vuot-tuong-lua", "Vượt Tường Lửa"),
            ("proxy-vn", "Proxy VN {n}"),
            ("an-ip", "Ẩn IP"),
            ("vpn-mien-phi", "VPN Miễn Phí"),
            ("mo-khoa-web", "Mở Khóa Web"),
            ("doi-ip", "Đổi IP Nhanh"),
            ("fake-ip", "Fake IP {n}"),
        ),
        titles=(
            "{site} – Web proxy miễn phí, vượt tường lửa",
            "Vượt chặn mọi trang web chỉ với một cú nhấp – {site}",
            "Ẩn IP, đổi IP, truy cập ẩn danh – {site}",
            "VPN miễn phí không cần cài đặt, máy chủ số {n} – {site}",
            "Mở khóa web ở trường và công ty – {site}",
            "Proxy miễn phí vượt kiểm duyệt – {site}",
        ),
        intros=(
            "{site} là web proxy miễn phí giúp bạn vượt tường lửa ở trường, ở nhà hay nơi làm việc.",
            "Nhập địa chỉ trang web và bắt đầu truy cập ẩn danh ngay.",
            "Đổi IP sang hơn {n} máy chủ ở nước ngoài.",
            "Vượt chặn mà không cần cài phần mềm, không cần đăng ký.",
            "Fake IP để bộ lọc không biết bạn đang vào trang nào.",
        ),
        sections=(
            (
                "Cách dùng web proxy",
                (
                    "Dán đường dẫn vào ô bên dưới rồi nhấn nút.",
                    "Trang web sẽ mở qua máy chủ proxy của chúng tôi.",
                    "Bộ lọc ở trường hay ở nhà chỉ thấy địa chỉ của proxy.",
                    "Dùng được trên máy tính và điện thoại.",
                ),
            ),
            (
                "Ẩn IP và truy cập ẩn danh",
                (
                    "Ẩn IP thật khỏi trang web bạn truy cập.",
                    "Không lưu lịch sử, không lưu cookie.",
                    "Mã hóa đường truyền để vượt kiểm duyệt.",
                    "Đổi IP mỗi lần tải lại trang.",
                ),
            ),
            (
                "VPN miễn phí",
                (
                    "Ứng dụng VPN miễn phí cho Android và iOS.",
                    "Một lần nhấp là vượt tường lửa.",
                    "Máy chủ ở Singapore, Nhật Bản và Mỹ.",
                    "Tốc độ ổn định để xem video và chơi game.",
                ),
            ),
            (
                "Mở khóa web",
                (
                    "Vào mạng xã hội và trang trò chơi ở trường.",
                    "Vượt chặn của phần mềm quản lý trẻ em.",
                    "Không cần cài đặt, không để lại dấu vết trên máy.",
                    "Nếu đường dẫn không vào được, hãy dùng tên miền mới của {site}.",
                ),
            ),
        ),
        items=("Singapore", "Nhật Bản", "Đức", "Hà Lan", "Mỹ", "Hồng Kông", "Anh", "Hàn Quốc"),
    ),
)

VOICES[PROXY, "en"] = (
    Voice(
        keywords=(
            "proxy",
            "web proxy",
            "free proxy",
            "unblock",
            "unblock any site",
            "unblocker",
            "bypass",
            "bypass filters",
            "free vpn",
            "hide my ip",
            "anonymous browsing",
            "unblocked games",
            "change your ip",
            "school firewall",
        ),
        sites=(
            ("unblock-any", "UnblockAny"),
            ("free-proxy", "FreeProxy {n}"),
            ("hide-my-ip", "HideMyIP"),
            ("bypass-now", "BypassNow"),
            ("school-unblocker", "School Unblocker"),
            ("vpn-gate", "VPN Gate Free"),
            ("unblocked-games", "Unblocked Games {n}"),
        ),
        titles=(
            "{site} – Free web proxy to unblock any site",
            "Bypass filters at school and work – {site}",
            "Hide my IP and browse anonymously – {site}",
            "Free VPN, no install, server {n} – {site}",
            "Unblocked games that get past the school firewall – {site}",
            "Change your IP in one click – {site}",
        ),
        intros=(
            "{site} is a free web proxy that helps you unblock any site at school, home or work.",
            "Type an address and start anonymous browsing right away.",
            "Change your IP to one of {n} servers abroad.",
            "Bypass filters with nothing to install and no sign-up.",
            "Hide my IP so no filter can see what you visit.",
        ),
        sections=(
            (
                "How the web proxy works",
                (
                    "Paste a link into the box below and press the button.",
                    "The site opens through our proxy server.",
                    "The school firewall only sees the proxy's address.",
                    "Works on computers and phones.",
                ),
            ),
            (
                "Anonymous browsing",
                (
                    "Your real IP stays hidden from the sites you visit.",
                    "No history and no cookies are kept.",
                    "Encrypted traffic helps you bypass filters.",
                    "Change your IP on every reload.",
                ),
            ),
            (
                "Free VPN",
                (
                    "A free VPN app for Android and iOS.",
                    "One click to unblock any site.",
                    "Servers in Singapore, Japan and the United States.",
                    "Fast enough for videos and games.",
                ),
            ),
            (
                "Unblocked games",
                (
                    "Play unblocked games during breaks.",
                    "The unblocker gets around parental-control apps.",
                    "Nothing to install and no trace left on the device.",
                    "If this address stops working, use the new domain of {site}.",
                ),
            ),
        ),
        items=("Singapore", "Tokyo", "Frankfurt", "Amsterdam", "Los Angeles", "Hong Kong", "London", "Seoul"),
    ),
)

# ---------------------------------------------------------------- RTA-only: neutral text
VOICES[RTA_ONLY, "vi"] = (
    Voice(
        keywords=("du lịch", "ẩm thực", "nhiếp ảnh", "ghi chép", "cà phê"),
        sites=(
            ("nhat-ky-du-lich", "Nhật Ký Du Lịch"),
            ("bep-nha-minh", "Bếp Nhà Mình"),
            ("goc-anh", "Góc Ảnh {n}"),
            ("ghi-chep", "Ghi Chép Mỗi Ngày"),
            ("pho-cu", "Phố Cũ"),
            ("ca-phe-sang", "Cà Phê Sáng"),
        ),
        titles=(
            "{site} – Ghi chép du lịch và ẩm thực",
            "Một ngày ở phố cổ – {site}",
            "Góc nhiếp ảnh đường phố số {n} – {site}",
            "Công thức nấu ăn cuối tuần – {site}",
            "Những quán cà phê nhỏ đáng ghé – {site}",
        ),
        intros=(
            "{site} là nơi ghi lại những chuyến đi và bữa ăn bình dị.",
            "Blog cập nhật mỗi tuần với ảnh chụp bằng điện thoại.",
            "Bài viết hôm nay kể về một buổi sáng chậm rãi.",
            "Đã có {n} bài viết được đăng trên blog.",
        ),
        sections=(
            (
                "Chuyến đi gần đây",
                (
                    "Chúng tôi dạo quanh phố cổ Hội An từ sáng sớm.",
                    "Những con đường nhỏ ở Đà Lạt phủ đầy sương.",
                    "Chợ phiên vùng cao họp vào sáng Chủ nhật.",
                    "Chuyến tàu đêm ra Huế mất khoảng mười hai tiếng.",
                ),
            ),
            (
                "Bếp nhà",
                (
                    "Canh chua cá lóc hợp với ngày mưa.",
                    "Bánh xèo cần chảo thật nóng và bột pha loãng.",
                    "Cà phê trứng đánh bông kỹ sẽ mịn hơn.",
                    "Phở bò nấu tại nhà cần hầm xương ít nhất sáu tiếng.",
                ),
            ),
            (
                "Nhiếp ảnh",
                (
                    "Ánh sáng đẹp nhất là lúc bình minh.",
                    "Chụp phố đông người nên dùng tốc độ nhanh.",
                    "Ảnh đen trắng làm nổi bật bóng đổ.",
                    "Mỗi tháng blog chọn mười tấm ảnh đẹp nhất.",
                ),
            ),
            (
                "Sổ tay",
                (
                    "Một cuốn sổ nhỏ giúp nhớ lại từng chuyến đi.",
                    "Ghi chép mỗi ngày giúp viết đều tay hơn.",
                    "Bạn đọc có thể gửi góp ý qua thư điện tử.",
                    "Bài viết mới được đăng vào tối thứ Sáu.",
                ),
            ),
        ),
        items=(
            "Một ngày lang thang ở Hội An",
            "Cách pha cà phê trứng tại nhà",
            "Chụp ảnh phố cổ lúc bình minh",
            "Ghi chép chuyến đi Mộc Châu mùa hoa mận",
            "Món canh chua ngày mưa",
            "Đi tàu đêm ra Huế",
        ),
    ),
)

VOICES[RTA_ONLY, "en"] = (
    Voice(
        keywords=("travel", "food", "photography", "notes", "coffee"),
        sites=(
            ("daily-notes", "Daily Notes"),
            ("photo-journal", "Photo Journal {n}"),
            ("green-kitchen", "Green Kitchen"),
            ("city-walks", "City Walks"),
            ("slow-mornings", "Slow Mornings"),
            ("paper-maps", "Paper Maps"),
        ),
        titles=(
            "{site} – Travel and food notes",
            "A slow morning in the old town – {site}",
            "Street photography, set {n} – {site}",
            "Weekend recipes – {site}",
            "Small coffee shops worth a visit – {site}",
        ),
        intros=(
            "{site} keeps notes of small trips and simple meals.",
            "A weekly blog with photos taken on a phone.",
            "Today's post is about a slow morning.",
            "There are {n} posts on the blog so far.",
        ),
        sections=(
            (
                "Recent trips",
                (
                    "We walked around Hoi An early in the morning.",
                    "The small streets of Da Lat were covered in fog.",
                    "The highland market opens on Sunday mornings.",
                    "The night train to Hue takes about twelve hours.",
                ),
            ),
            (
                "Home kitchen",
                (
                    "Sour fish soup is perfect for a rainy day.",
                    "Crispy pancakes need a very hot pan.",
                    "Egg coffee is smoother when whisked well.",
                    "Home-made beef noodle soup needs six hours of simmering.",
                ),
            ),
            (
                "Photography",
                (
                    "The best light comes at sunrise.",
                    "Use a fast shutter speed in busy streets.",
                    "Black and white brings out the shadows.",
                    "Each month the blog picks its ten best photos.",
                ),
            ),
            (
                "Notebook",
                (
                    "A small notebook helps remember every trip.",
                    "Writing every day keeps the habit going.",
                    "Readers can send comments by email.",
                    "New posts go up on Friday evenings.",
                ),
            ),
        ),
        items=(
            "A slow morning in Hoi An",
            "How I brew egg coffee",
            "Street photography at dawn",
            "Notes from a rainy week",
            "Simple sour soup",
            "The night train to Hue",
        ),
    ),
)

# ---------------------------------------------------------------- child-friendly
VOICES[CHILD_FRIENDLY, "vi"] = (
    Voice(
        keywords=(
            "truyện cổ tích",
            "bé học chữ",
            "tô màu",
            "bài hát thiếu nhi",
            "trò chơi trí tuệ",
            "khám phá khoa học",
            "thế giới động vật",
            "thiếu nhi",
            "kỹ năng sống",
        ),
        sites=(
            ("be-hoc-chu", "Bé Học Chữ"),
            ("truyen-co-tich", "Truyện Cổ Tích Việt Nam"),
            ("to-mau", "Bé Tô Màu"),
            ("hat-cung-be", "Hát Cùng Bé"),
            ("vuon-tre-tho", "Vườn Trẻ Thơ"),
            ("kham-pha-cung-be", "Khám Phá Cùng Bé"),
            ("the-gioi-dong-vat", "Thế Giới Động Vật"),
            ("be-vui-hoc", "Bé Vui Học {n}"),
        ),
        titles=(
            "{site} – Truyện cổ tích Việt Nam cho bé",
            "Bé học chữ cái qua tranh – {site}",
            "Tranh tô màu con vật, bộ số {n} – {site}",
            "Bài hát thiếu nhi vui nhộn – {site}",
            "Khám phá khoa học cùng bé – {site}",
            "Thế giới động vật kỳ thú – {site}",
            "Kỹ năng sống cho thiếu nhi – {site}",
        ),
        intros=(
            "{site} là góc vui học dành cho các bạn thiếu nhi.",
            "Mỗi ngày bé được nghe một câu chuyện và làm một hoạt động nhỏ.",
            "Tranh tô màu, bài hát và trò chơi trí tuệ giúp bé vừa chơi vừa học.",
            "Đã có hơn {n} bạn nhỏ cùng học với chúng mình.",
            "Nội dung được các cô giáo mầm non biên soạn.",
        ),
        sections=(
            (
                "Truyện cổ tích",
                (
                    "Truyện Cây khế dạy bé sống thật thà và không tham lam.",
                    "Sự tích Hồ Gươm kể về thanh gươm thần và rùa vàng.",
                    "Truyện Sọ Dừa cho bé biết không nên đánh giá người khác qua vẻ ngoài.",
                    "Mỗi truyện đều có giọng đọc và tranh minh họa.",
                ),
            ),
            (
                "Bé học chữ",
                (
                    "Chữ A có trong từ “áo”, chữ B có trong từ “bóng”.",
                    "Bé tập viết từng nét trên vở ô li.",
                    "Mỗi chữ cái đi kèm một bức tranh dễ nhớ.",
                    "Ôn lại các chữ cái đã học bằng trò chơi tìm chữ.",
                ),
            ),
            (
                "Tô màu và vẽ",
                (
                    "Bé chọn bút sáp và tô màu chú voi con.",
                    "Tranh ông Mặt Trời cần thật nhiều màu vàng.",
                    "Tô màu giúp bé khéo tay và kiên nhẫn.",
                    "In tranh ra giấy hoặc tô ngay trên máy tính bảng.",
                ),
            ),
            (
                "Khám phá khoa học",
                (
                    "Vì sao cầu vồng có bảy màu?",
                    "Hạt đậu nảy mầm sau vài ngày được tưới nước.",
                    "Nam châm hút được đinh ghim nhưng không hút được giấy.",
                    "Thí nghiệm núi lửa mini chỉ cần giấm và muối nở, làm cùng bố mẹ.",
                ),
            ),
            (
                "Thế giới động vật",
                (
                    "Voi là loài vật trên cạn lớn nhất.",
                    "Chim cánh cụt không bay được nhưng bơi rất giỏi.",
                    "Con sâu nhỏ sẽ trở thành con bướm xinh đẹp.",
                    "Cá heo thích chơi đùa và rất thông minh.",
                ),
            ),
            (
                "Kỹ năng sống",
                (
                    "Bé rửa tay bằng xà phòng trước khi ăn.",
                    "Đánh răng hai lần mỗi ngày giúp răng chắc khỏe.",
                    "Bé chào hỏi lễ phép khi gặp ông bà.",
                    "Cất đồ chơi gọn gàng sau khi chơi xong.",
                ),
            ),
        ),
        items=(
            "Tô màu chú voi con",
            "Gấp thuyền giấy",
            "Hát một bài về gia đình",
            "Đếm số từ 1 đến 20",
            "Kể lại truyện Cây khế",
            "Vẽ ông Mặt Trời",
            "Trồng hạt đậu trong cốc",
            "Xếp hình con mèo",
            "Nghe truyện Sự tích Hồ Gươm",
            "Ghép chữ thành từ",
        ),
    ),
)

VOICES[CHILD_FRIENDLY, "en"] = (
    Voice(
        keywords=(
            "fairy tales",
            "kids songs",
            "coloring pages",
            "learn to read",
            "fun science",
            "animal facts",
            "kids crafts",
            "bedtime stories",
        ),
        sites=(
            ("kids-stories", "Kids Stories"),
            ("color-fun", "Color Fun"),
            ("sing-along", "Sing Along Kids"),
            ("tiny-explorers", "Tiny Explorers"),
            ("abc-garden", "ABC Garden"),
            ("animal-friends", "Animal Friends"),
            ("star-gazers", "Little Star Gazers"),
            ("craft-corner", "Craft Corner {n}"),
        ),
        titles=(
            "{site} – Bedtime stories and fairy tales",
            "Learn to read with pictures – {site}",
            "Animal coloring pages, set {n} – {site}",
            "Kids songs to sing along – {site}",
            "Fun science for curious minds – {site}",
            "Amazing animal facts – {site}",
            "Easy kids crafts with paper – {site}",
        ),
        intros=(
            "{site} is a happy place for young learners.",
            "Every day there is a new story and a small activity.",
            "Coloring pages, songs and puzzles help children play and learn.",
            "More than {n} children learn with us.",
            "Everything here is written by kindergarten teachers.",
        ),
        sections=(
            (
                "Fairy tales",
                (
                    "The Tortoise and the Hare teaches that slow and steady wins.",
                    "The Star Fruit Tree tells children not to be greedy.",
                    "Goldilocks learns to respect other people's homes.",
                    "Every story has pictures and a read-aloud voice.",
                ),
            ),
            (
                "Learn to read",
                (
                    "A is for apple, B is for ball.",
                    "Children trace each letter with a finger.",
                    "Every letter comes with a picture.",
                    "Review the letters you know with a letter hunt game.",
                ),
            ),
            (
                "Coloring and drawing",
                (
                    "Pick your crayons and color the baby elephant.",
                    "The smiling sun needs lots of yellow.",
                    "Coloring helps little hands grow steady and patient.",
                    "Print the pages or color them on a tablet.",
                ),
            ),
            (
                "Fun science",
                (
                    "Why does a rainbow have seven colors?",
                    "A bean sprouts a few days after you water it.",
                    "A magnet picks up paper clips but not paper.",
                    "A mini volcano needs only vinegar and baking soda, made together with a grown-up.",
                ),
            ),
            (
                "Animal facts",
                (
                    "Elephants are the largest animals on land.",
                    "Penguins cannot fly but they swim very well.",
                    "A little caterpillar turns into a butterfly.",
                    "Dolphins love to play and are very clever.",
                ),
            ),
            (
                "Good habits",
                (
                    "Wash your hands with soap before eating.",
                    "Brush your teeth twice a day.",
                    "Say hello politely to your grandparents.",
                    "Put your toys away after playing.",
                ),
            ),
        ),
        items=(
            "Color the baby elephant",
            "Fold a paper boat",
            "Sing a song about family",
            "Count from 1 to 20",
            "Draw a smiling sun",
            "Plant a bean in a cup",
            "Read a bedtime story",
            "Make a paper crown",
            "Find five red things at home",
            "Build a tower of blocks",
        ),
    ),
)

# ---------------------------------------------------------------- Vietnamese school subjects
_MATH = Voice(
    keywords=("toán học", "phân số", "số thập phân", "hình học", "bài tập toán"),
    sites=(("be-hoc-toan", "Bé Học Toán"), ("toan-tieu-hoc", "Toán Tiểu Học {n}"), ("giai-toan-vui", "Giải Toán Vui")),
    titles=(
        "Toán lớp {grade} – Bài {n}: Phân số – {site}",
        "Toán lớp {grade}: Số thập phân và các phép tính – {site}",
        "Hình học lớp {grade}: Chu vi và diện tích – {site}",
        "Giải bài tập toán có lời văn, lớp {grade} – {site}",
    ),
    intros=(
        "Bài học giúp em nắm chắc kiến thức toán học theo chương trình mới.",
        "Mỗi bài gồm phần lý thuyết ngắn gọn, ví dụ và bài tập tự luyện.",
        "Em hãy chuẩn bị giấy nháp và bút chì trước khi bắt đầu.",
        "Đã có {n} lượt học sinh luyện tập bài này.",
    ),
    sections=(
        (
            "Phân số",
            (
                "Phân số gồm tử số viết trên gạch ngang và mẫu số viết dưới gạch ngang.",
                "Muốn cộng hai phân số khác mẫu số, ta quy đồng mẫu số rồi cộng các tử số.",
                "Nhân cả tử số và mẫu số với cùng một số khác 0 thì được phân số bằng phân số đã cho.",
                "Rút gọn phân số là chia cả tử số và mẫu số cho cùng một số lớn hơn 1.",
            ),
        ),
        (
            "Số thập phân",
            (
                "Số thập phân gồm phần nguyên và phần thập phân, ngăn cách bởi dấu phẩy.",
                "Khi nhân một số thập phân với 10, ta dời dấu phẩy sang phải một chữ số.",
                "So sánh hai số thập phân bắt đầu từ phần nguyên.",
                "Số 2,5 đọc là hai phẩy năm.",
            ),
        ),
        (
            "Chu vi và diện tích",
            (
                "Chu vi hình chữ nhật bằng chiều dài cộng chiều rộng rồi nhân với 2.",
                "Diện tích hình chữ nhật bằng chiều dài nhân chiều rộng, cùng đơn vị đo.",
                "Diện tích hình tam giác bằng đáy nhân chiều cao rồi chia cho 2.",
                "Chu vi hình tròn bằng đường kính nhân với số 3,14.",
            ),
        ),
        (
            "Giải toán có lời văn",
            (
                "Đọc kỹ đề bài và gạch chân những dữ kiện đã cho.",
                "Tóm tắt bài toán bằng sơ đồ đoạn thẳng.",
                "Viết lời giải, phép tính và đáp số rõ ràng.",
                "Thử lại kết quả để chắc chắn lời giải đúng.",
            ),
        ),
    ),
    items=(
        "Tính: {a} + {b} = ?",
        "Tính: {b} − {a} = ?",
        "Tìm x, biết: x + {a} = {b}",
        "Một hình chữ nhật có chiều dài {b} cm, chiều rộng {a} cm. Tính chu vi và diện tích.",
        "Rút gọn phân số {fraction}.",
        "Một cửa hàng có {b} quyển vở, đã bán {a} quyển. Hỏi còn lại bao nhiêu quyển?",
        "Viết số thập phân: {c} đơn vị và {a} phần trăm.",
        "Quy đồng mẫu số hai phân số 1/{c} và 2/{d}.",
    ),
)

_VIETNAMESE = Voice(
    keywords=("tiếng việt", "ngữ văn", "tập làm văn", "luyện từ và câu", "chính tả"),
    sites=(("hoc-tieng-viet", "Học Tiếng Việt"), ("van-hay", "Văn Hay Lớp {n}"), ("goc-ngu-van", "Góc Ngữ Văn")),
    titles=(
        "Tiếng Việt lớp {grade} – Luyện từ và câu: Danh từ, động từ, tính từ – {site}",
        "Ngữ văn lớp {grade}: Biện pháp so sánh và nhân hóa – {site}",
        "Tập làm văn lớp {grade}: Tả cây phượng ở sân trường – {site}",
        "Ngữ văn lớp {grade}: Đọc hiểu “Bài học đường đời đầu tiên” – {site}",
        "Chính tả lớp {grade}: Phân biệt s và x – {site}",
    ),
    intros=(
        "Bài học giúp em dùng tiếng Việt chính xác và giàu hình ảnh.",
        "Em hãy đọc to đoạn văn mẫu trước khi làm bài.",
        "Mỗi phần có ví dụ ngắn và bài tập thực hành.",
        "Đã có {n} lượt học sinh ôn tập bài này.",
    ),
    sections=(
        (
            "Từ loại",
            (
                "Danh từ là những từ chỉ người, vật, hiện tượng, khái niệm.",
                "Động từ là những từ chỉ hoạt động, trạng thái của sự vật.",
                "Tính từ là những từ miêu tả đặc điểm, tính chất của sự vật.",
                "Trong câu “Bầu trời xanh thẳm”, từ “xanh thẳm” là tính từ.",
            ),
        ),
        (
            "Biện pháp tu từ",
            (
                "So sánh là đối chiếu sự vật này với sự vật khác có nét tương đồng.",
                "Nhân hóa là gọi hoặc tả con vật, cây cối bằng những từ ngữ dùng cho con người.",
                "Câu “Ông Mặt Trời thức dậy” sử dụng biện pháp nhân hóa.",
                "Biện pháp tu từ làm cho câu văn sinh động và gợi cảm hơn.",
            ),
        ),
        (
            "Đọc hiểu văn bản",
            (
                "“Bài học đường đời đầu tiên” trích từ truyện “Dế Mèn phiêu lưu ký” của nhà văn Tô Hoài.",
                "Dế Mèn hối hận vì thói kiêu căng đã gây hại cho Dế Choắt.",
                "Bài học rút ra là sống khiêm tốn và biết quan tâm đến người khác.",
                "Em hãy tìm những chi tiết miêu tả ngoại hình của Dế Mèn.",
            ),
        ),
        (
            "Tập làm văn",
            (
                "Bài văn tả cảnh gồm ba phần: mở bài, thân bài và kết bài.",
                "Quan sát kỹ màu sắc, âm thanh và hương vị của cảnh vật.",
                "Dùng từ ngữ gợi tả giúp người đọc hình dung rõ cảnh.",
                "Đoạn kết nên nêu tình cảm của em với cảnh được tả.",
            ),
        ),
        (
            "Chính tả",
            (
                "“Sương sớm” viết bằng s, “xương sườn” có cả x và s.",
                "Đọc chậm từng cụm từ khi nghe viết.",
                "Viết hoa chữ cái đầu câu và tên riêng.",
                "Soát lỗi chính tả sau khi viết xong.",
            ),
        ),
    ),
    items=(
        "Tìm các danh từ trong câu: “Mẹ em trồng rau ngoài vườn.”",
        "Đặt một câu có sử dụng biện pháp nhân hóa.",
        "Viết đoạn văn ngắn (5–7 câu) tả cây phượng ở sân trường.",
        "Tìm từ đồng nghĩa với từ “siêng năng”.",
        "Gạch chân động từ trong câu: “Chim hót líu lo trên cành.”",
        "Điền s hoặc x: …ân trường, …inh đẹp, hoa …en.",
    ),
)

_HISTORY = Voice(
    keywords=("lịch sử", "lịch sử việt nam", "văn hóa", "di tích", "danh nhân"),
    sites=(("lich-su-viet", "Lịch Sử Việt Nam"), ("su-viet-cho-em", "Sử Việt Cho Em"), ("di-tich", "Di Tích {n}")),
    titles=(
        "Lịch sử lớp {grade} – Nhà nước Văn Lang, Âu Lạc – {site}",
        "Lịch sử lớp {grade}: Hai Bà Trưng – {site}",
        "Lịch sử lớp {grade}: Lý Công Uẩn dời đô về Thăng Long – {site}",
        "Lịch sử lớp {grade}: Ngô Quyền và chiến thắng Bạch Đằng năm 938 – {site}",
        "Lịch sử lớp {grade}: Di tích Văn Miếu – Quốc Tử Giám – {site}",
    ),
    intros=(
        "Bài học giúp em hiểu thêm về lịch sử dựng nước và giữ nước của dân tộc.",
        "Hãy ghi nhớ các mốc thời gian quan trọng trong bài.",
        "Mỗi bài có tranh ảnh tư liệu và câu hỏi ôn tập.",
        "Đã có {n} lượt học sinh đọc bài này.",
    ),
    sections=(
        (
            "Văn Lang – Âu Lạc",
            (
                "Nhà nước Văn Lang do các vua Hùng đứng đầu, kinh đô ở Phong Châu.",
                "Cư dân Văn Lang trồng lúa nước, đúc trống đồng và làm gốm.",
                "Thục Phán An Dương Vương lập nước Âu Lạc, xây thành Cổ Loa.",
                "Ngày Giỗ Tổ Hùng Vương là mùng mười tháng Ba âm lịch.",
            ),
        ),
        (
            "Hai Bà Trưng",
            (
                "Năm 40, Hai Bà Trưng phất cờ khởi nghĩa ở Mê Linh.",
                "Cuộc khởi nghĩa được nhân dân khắp nơi hưởng ứng.",
                "Trưng Trắc lên làm vua, đóng đô ở Mê Linh.",
                "Nhiều nơi lập đền thờ để tưởng nhớ công ơn Hai Bà.",
            ),
        ),
        (
            "Ngô Quyền và Bạch Đằng",
            (
                "Năm 938, Ngô Quyền chỉ huy quân dân đánh bại quân Nam Hán trên sông Bạch Đằng.",
                "Ông cho cắm cọc gỗ dưới lòng sông và lợi dụng thủy triều.",
                "Chiến thắng Bạch Đằng mở ra thời kỳ độc lập lâu dài của đất nước.",
                "Năm 939, Ngô Quyền xưng vương, đóng đô ở Cổ Loa.",
            ),
        ),
        (
            "Thăng Long – Hà Nội",
            (
                "Năm 1010, Lý Công Uẩn dời đô từ Hoa Lư ra Đại La và đổi tên là Thăng Long.",
                "“Chiếu dời đô” nêu rõ lý do chọn vùng đất ở giữa trời đất.",
                "Văn Miếu được xây dựng năm 1070 để thờ Khổng Tử.",
                "Năm 1076, Quốc Tử Giám trở thành trường đại học đầu tiên của nước ta.",
            ),
        ),
    ),
    items=(
        "Nhà nước Văn Lang ra đời ở đâu và do ai đứng đầu?",
        "Ai là người dời đô từ Hoa Lư về Thăng Long? Vào năm nào?",
        "Nêu ý nghĩa của chiến thắng Bạch Đằng năm 938.",
        "Kể tên hai vị anh hùng dân tộc mà em biết.",
        "Văn Miếu được xây dựng vào năm nào?",
        "Vì sao Hai Bà Trưng được nhân dân lập đền thờ?",
    ),
)

_GEOGRAPHY = Voice(
    keywords=("địa lí", "bản đồ", "khí hậu", "sông ngòi", "địa hình"),
    sites=(("dia-li-vui", "Địa Lí Vui"), ("ban-do-viet-nam", "Bản Đồ Việt Nam"), ("que-huong-em", "Quê Hương Em {n}")),
    titles=(
        "Địa lí lớp {grade} – Vị trí và lãnh thổ Việt Nam – {site}",
        "Địa lí lớp {grade}: Khí hậu nhiệt đới gió mùa – {site}",
        "Địa lí lớp {grade}: Sông Hồng và sông Cửu Long – {site}",
        "Địa lí lớp {grade}: Dãy Hoàng Liên Sơn – {site}",
    ),
    intros=(
        "Bài học giúp em biết cách đọc bản đồ và hiểu thiên nhiên nước ta.",
        "Em hãy mở tập bản đồ để theo dõi bài học.",
        "Mỗi bài có hình ảnh, lược đồ và câu hỏi thực hành.",
        "Đã có {n} lượt học sinh xem bài này.",
    ),
    sections=(
        (
            "Vị trí địa lí",
            (
                "Việt Nam nằm trên bán đảo Đông Dương, thuộc khu vực Đông Nam Á.",
                "Phần đất liền nước ta hẹp ngang và kéo dài theo chiều bắc – nam.",
                "Vùng biển nước ta có nhiều đảo và quần đảo.",
                "Đường bờ biển dài hơn 3.260 ki-lô-mét.",
            ),
        ),
        (
            "Khí hậu",
            (
                "Nước ta có khí hậu nhiệt đới gió mùa, nóng và ẩm.",
                "Miền Bắc có mùa đông lạnh, miền Nam nóng quanh năm.",
                "Miền Nam có hai mùa rõ rệt là mùa mưa và mùa khô.",
                "Gió mùa đông bắc thổi vào miền Bắc từ tháng Mười đến tháng Ba.",
            ),
        ),
        (
            "Sông ngòi",
            (
                "Nước ta có mạng lưới sông ngòi dày đặc.",
                "Sông Hồng bồi đắp nên đồng bằng Bắc Bộ.",
                "Sông Cửu Long đổ ra biển bằng nhiều cửa.",
                "Sông ngòi cung cấp nước cho đồng ruộng và giao thông đường thủy.",
            ),
        ),
        (
            "Địa hình",
            (
                "Ba phần tư diện tích phần đất liền là đồi núi.",
                "Dãy Hoàng Liên Sơn có đỉnh Phan-xi-păng cao 3.143 mét.",
                "Đồng bằng Bắc Bộ và đồng bằng Nam Bộ là hai đồng bằng lớn nhất.",
                "Tây Nguyên gồm nhiều cao nguyên xếp tầng.",
            ),
        ),
    ),
    items=(
        "Kể tên hai đồng bằng lớn nhất nước ta.",
        "Vì sao miền Nam có hai mùa rõ rệt?",
        "Đỉnh núi cao nhất Việt Nam tên là gì? Cao bao nhiêu mét?",
        "Chỉ trên bản đồ vị trí của sông Hồng.",
        "Nêu hai lợi ích của sông ngòi đối với đời sống.",
        "Tây Nguyên có đặc điểm địa hình gì?",
    ),
)

_SCIENCE = Voice(
    keywords=("khoa học", "khoa học tự nhiên", "thí nghiệm", "thực vật", "hệ mặt trời"),
    sites=(
        ("khoa-hoc-tu-nhien", "Khoa Học Tự Nhiên"),
        ("thi-nghiem-vui", "Thí Nghiệm Vui"),
        ("vu-tru-nho", "Vũ Trụ Nhỏ {n}"),
    ),
    titles=(
        "Khoa học lớp {grade} – Vòng tuần hoàn của nước – {site}",
        "Khoa học tự nhiên lớp {grade}: Quang hợp ở thực vật – {site}",
        "Khoa học lớp {grade}: Hệ Mặt Trời – {site}",
        "Khoa học tự nhiên lớp {grade}: Các thể của chất – {site}",
    ),
    intros=(
        "Bài học giúp em giải thích các hiện tượng quanh mình.",
        "Em có thể làm thí nghiệm đơn giản với dụng cụ có sẵn ở nhà.",
        "Mỗi bài có hình vẽ minh họa và câu hỏi vận dụng.",
        "Đã có {n} lượt học sinh làm thí nghiệm này.",
    ),
    sections=(
        (
            "Vòng tuần hoàn của nước",
            (
                "Nước ở sông, hồ, biển bay hơi nhờ sức nóng của Mặt Trời.",
                "Hơi nước bay lên cao gặp lạnh ngưng tụ thành những đám mây.",
                "Các giọt nước lớn dần và rơi xuống thành mưa.",
                "Nước mưa chảy ra sông, hồ rồi lại bay hơi.",
            ),
        ),
        (
            "Quang hợp",
            (
                "Lá cây dùng ánh sáng mặt trời để tạo ra chất dinh dưỡng.",
                "Trong quang hợp, cây lấy khí các-bô-níc và thải ra khí ô-xi.",
                "Chất diệp lục làm cho lá cây có màu xanh.",
                "Cây để trong bóng tối lâu ngày sẽ vàng lá.",
            ),
        ),
        (
            "Hệ Mặt Trời",
            (
                "Hệ Mặt Trời có tám hành tinh quay quanh Mặt Trời.",
                "Trái Đất là hành tinh thứ ba tính từ Mặt Trời.",
                "Mặt Trăng quay quanh Trái Đất khoảng một tháng một vòng.",
                "Sao Mộc là hành tinh lớn nhất trong hệ Mặt Trời.",
            ),
        ),
        (
            "Các thể của chất",
            (
                "Chất có thể tồn tại ở thể rắn, thể lỏng và thể khí.",
                "Nước đá tan thành nước lỏng khi gặp nóng.",
                "Nước sôi ở 100 độ C và bay hơi thành hơi nước.",
                "Muối tan trong nước tạo thành dung dịch muối.",
            ),
        ),
    ),
    items=(
        "Nước tồn tại ở những thể nào? Cho ví dụ.",
        "Vì sao cây xanh cần ánh sáng?",
        "Kể tên tám hành tinh trong hệ Mặt Trời.",
        "Mây được hình thành như thế nào?",
        "Làm thí nghiệm: hòa tan đường vào nước và ghi lại kết quả.",
        "Vì sao lá cây có màu xanh?",
    ),
)

_ENGLISH = Voice(
    keywords=("tiếng anh", "từ vựng", "ngữ pháp", "luyện nghe", "phát âm"),
    sites=(
        ("tieng-anh-tieu-hoc", "Tiếng Anh Tiểu Học"),
        ("english-cho-be", "English Cho Bé {n}"),
        ("tu-vung-moi-ngay", "Từ Vựng Mỗi Ngày"),
    ),
    titles=(
        "Tiếng Anh lớp {grade} – Unit {n}: My family – {site}",
        "Tiếng Anh lớp {grade}: Thì hiện tại đơn – {site}",
        "Từ vựng tiếng Anh chủ đề trường học, lớp {grade} – {site}",
        "Luyện phát âm tiếng Anh cho học sinh lớp {grade} – {site}",
    ),
    intros=(
        "Bài học giúp em học từ vựng và mẫu câu tiếng Anh qua chủ đề quen thuộc.",
        "Em hãy nghe và nhắc lại từng từ thật to.",
        "Mỗi bài có phần nghe, nói, đọc và viết.",
        "Đã có {n} lượt học sinh luyện tập bài này.",
    ),
    sections=(
        (
            "Từ vựng chủ đề gia đình",
            (
                "Father là bố, mother là mẹ, brother là anh hoặc em trai.",
                "Grandmother là bà, grandfather là ông.",
                "Mẫu câu: This is my sister. She is nine years old.",
                "Em hãy giới thiệu các thành viên trong gia đình bằng tiếng Anh.",
            ),
        ),
        (
            "Thì hiện tại đơn",
            (
                "Thì hiện tại đơn diễn tả thói quen hằng ngày.",
                "Với chủ ngữ he, she, it, động từ thêm s hoặc es.",
                "Ví dụ: She goes to school every day.",
                "Các trạng từ thường gặp: always, usually, often, sometimes.",
            ),
        ),
        (
            "Chủ đề trường học",
            (
                "Classroom là lớp học, library là thư viện.",
                "Pencil là bút chì, ruler là thước kẻ.",
                "Mẫu câu: What subject do you like? I like Maths.",
                "Em hãy vẽ và ghi tên tiếng Anh các đồ dùng học tập.",
            ),
        ),
        (
            "Luyện phát âm",
            (
                "Âm /θ/ trong từ “three” đặt đầu lưỡi giữa hai hàm răng.",
                "Âm /ʃ/ trong từ “ship” tròn môi và đẩy hơi ra.",
                "Nghe và nhắc lại giúp em phát âm tự nhiên hơn.",
                "Ghi âm giọng đọc của mình để tự sửa lỗi.",
            ),
        ),
    ),
    items=(
        "Điền từ còn thiếu: My ___ is a teacher.",
        "Viết 3 câu giới thiệu về gia đình em bằng tiếng Anh.",
        "Chia động từ: She (go) ___ to school every day.",
        "Nối từ với nghĩa: pencil – ruler – book.",
        "Trả lời câu hỏi: What subject do you like?",
        "Đọc to các từ: three, ship, fish, thank.",
    ),
)

_COMPUTING = Voice(
    keywords=("tin học", "thuật toán", "lập trình", "máy tính", "soạn thảo văn bản"),
    sites=(
        ("tin-hoc-tre", "Tin Học Trẻ"),
        ("lap-trinh-scratch", "Lập Trình Scratch"),
        ("em-hoc-may-tinh", "Em Học Máy Tính {n}"),
    ),
    titles=(
        "Tin học lớp {grade} – Thuật toán là gì? – {site}",
        "Tin học lớp {grade}: Lập trình Scratch cơ bản – {site}",
        "Tin học lớp {grade}: Soạn thảo văn bản – {site}",
        "Tin học lớp {grade}: Các bộ phận của máy tính – {site}",
    ),
    intros=(
        "Bài học giúp em làm quen với máy tính và tư duy lập trình.",
        "Em có thể thực hành ngay trên máy tính ở nhà hoặc ở phòng máy.",
        "Mỗi bài có hướng dẫn từng bước và bài thực hành.",
        "Đã có {n} lượt học sinh hoàn thành bài này.",
    ),
    sections=(
        (
            "Thuật toán",
            (
                "Thuật toán là dãy các bước để giải quyết một công việc.",
                "Pha nước chanh cũng có thể mô tả bằng thuật toán.",
                "Các bước của thuật toán phải rõ ràng và theo thứ tự.",
                "Sơ đồ khối giúp biểu diễn thuật toán dễ hiểu hơn.",
            ),
        ),
        (
            "Lập trình Scratch",
            (
                "Scratch dùng các khối lệnh nhiều màu để lập trình.",
                "Kéo khối “di chuyển 10 bước” để nhân vật đi tới.",
                "Khối lặp giúp nhân vật làm một việc nhiều lần.",
                "Em hãy tạo một câu chuyện hoạt hình ngắn bằng Scratch.",
            ),
        ),
        (
            "Soạn thảo văn bản",
            (
                "Phần mềm soạn thảo giúp em viết và trình bày văn bản.",
                "Gõ dấu tiếng Việt bằng kiểu gõ Telex hoặc VNI.",
                "Chọn phông chữ, cỡ chữ và căn lề cho đẹp.",
                "Lưu văn bản thường xuyên để không mất bài.",
            ),
        ),
        (
            "Máy tính và mật khẩu",
            (
                "Máy tính gồm màn hình, thân máy, bàn phím và chuột.",
                "Bàn phím và chuột là thiết bị vào, màn hình là thiết bị ra.",
                "Mật khẩu mạnh gồm chữ hoa, chữ thường, chữ số và kí hiệu.",
                "Giữ mật khẩu cho riêng mình, không chia sẻ cho bạn bè.",
            ),
        ),
    ),
    items=(
        "Kể tên ba thiết bị vào của máy tính.",
        "Viết các bước của thuật toán pha một cốc nước chanh.",
        "Vì sao không nên chia sẻ mật khẩu với người khác?",
        "Tạo chương trình Scratch cho chú mèo đi vòng quanh sân khấu.",
        "Gõ đoạn văn ngắn có dấu tiếng Việt bằng kiểu gõ Telex.",
        "Nêu chức năng của chuột máy tính.",
    ),
)

_HEALTH = Voice(
    keywords=("sức khỏe", "dinh dưỡng", "vệ sinh cá nhân", "đạo đức", "rèn luyện thân thể"),
    sites=(
        ("song-khoe", "Sống Khỏe Mỗi Ngày"),
        ("dao-duc-lop", "Đạo Đức Lớp {n}"),
        ("an-uong-lanh-manh", "Ăn Uống Lành Mạnh"),
    ),
    titles=(
        "Đạo đức lớp {grade} – Biết ơn thầy cô – {site}",
        "Sức khỏe lớp {grade}: Ăn uống đủ chất – {site}",
        "Vệ sinh cá nhân cho học sinh lớp {grade} – {site}",
        "Rèn luyện thân thể: Bài thể dục buổi sáng, lớp {grade} – {site}",
    ),
    intros=(
        "Bài học giúp em chăm sóc sức khỏe và trở thành người trò ngoan.",
        "Em hãy thực hiện những việc làm tốt mỗi ngày.",
        "Mỗi bài có tình huống và câu hỏi thảo luận.",
        "Đã có {n} lượt học sinh học bài này.",
    ),
    sections=(
        (
            "Ăn uống đủ chất",
            (
                "Bữa ăn cần có đủ chất bột, chất đạm, chất béo, vitamin và chất khoáng.",
                "Ăn nhiều rau xanh và hoa quả giúp cơ thể khỏe mạnh.",
                "Uống đủ nước mỗi ngày, nhất là khi trời nóng.",
                "Khi bị ốm, em uống thuốc theo đúng chỉ dẫn của bác sĩ.",
            ),
        ),
        (
            "Vệ sinh cá nhân",
            (
                "Rửa tay bằng xà phòng trước khi ăn và sau khi đi vệ sinh.",
                "Đánh răng vào buổi sáng và trước khi đi ngủ.",
                "Tắm gội thường xuyên và thay quần áo sạch.",
                "Cắt móng tay gọn gàng mỗi tuần.",
            ),
        ),
        (
            "Rèn luyện thân thể",
            (
                "Tập thể dục buổi sáng giúp em tỉnh táo.",
                "Đi bộ, bơi lội và đá cầu là những môn thể thao có lợi.",
                "Ngủ đủ giấc giúp em học tập tốt hơn.",
                "Ngồi học đúng tư thế để không bị cong vẹo cột sống.",
            ),
        ),
        (
            "Biết ơn và lễ phép",
            (
                "Em chào hỏi lễ phép khi gặp thầy cô giáo.",
                "Ngày 20 tháng 11 là Ngày Nhà giáo Việt Nam.",
                "Giúp đỡ bạn bè khi bạn gặp khó khăn.",
                "Biết nói lời cảm ơn và xin lỗi đúng lúc.",
            ),
        ),
    ),
    items=(
        "Kể tên các nhóm chất dinh dưỡng cần có trong bữa ăn.",
        "Vì sao cần ngủ đủ giấc?",
        "Nêu các bước rửa tay bằng xà phòng.",
        "Em sẽ làm gì để tỏ lòng biết ơn thầy cô?",
        "Kể tên hai môn thể thao em thích.",
        "Vì sao phải ngồi học đúng tư thế?",
    ),
)

VOICES[EDUCATION_VI, "vi"] = (_MATH, _VIETNAMESE, _HISTORY, _GEOGRAPHY, _SCIENCE, _ENGLISH, _COMPUTING, _HEALTH)


def keywords(category: str, language: str | None = None) -> tuple[str, ...]:
    """The signal words of `category` (in `language`, or in every language)."""
    words: list[str] = []
    for (cat, lang), voices in VOICES.items():
        if cat == category and language in (None, lang):
            for voice in voices:
                words.extend(w for w in voice.keywords if w not in words)
    return tuple(words)


def harmful_keywords() -> tuple[str, ...]:
    """Every signal word of every harmful category, both languages: what safe pages never say."""
    words: list[str] = []
    for category in HARMFUL:
        words.extend(w for w in keywords(category) if w not in words)
    return tuple(words)
